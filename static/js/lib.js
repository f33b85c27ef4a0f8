// Shared by every page script (loaded first by base.html): requests to the app's JSON
// answers with the CSRF token, forms that ask before they post (data-confirm="question"), and
// whether the user's single-key shortcuts are on.
window.gradebook = (function () {
  "use strict";

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  // POST a FormData (as a form posts it) or a plain object (as JSON); the view answers JSON.
  function post(url, body) {
    const json = !(body instanceof FormData);
    const headers = { "X-CSRFToken": csrfToken(), Accept: "application/json" };
    if (json) headers["Content-Type"] = "application/json";
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers,
      body: json ? JSON.stringify(body) : body,
    });
  }

  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
  }

  document.querySelectorAll("form[data-confirm]").forEach((f) =>
    f.addEventListener("submit", (ev) => { if (!window.confirm(f.dataset.confirm)) ev.preventDefault(); }));

  // Single-key shortcuts (letters, digits) run only while the user has not turned them off
  // (WCAG 2.1.4); the choice is kept with the account (base.html's data-shortcuts).
  function shortcutsOn() {
    return document.body.dataset.shortcuts !== "off";
  }

  return { csrfToken, post, getJSON, shortcutsOn };
})();
