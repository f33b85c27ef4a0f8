// Answer groups page: grade, accept a group's suggestion, split and merge from the keyboard.
// j/k choose the group the keys act on; forms post with gradebook.post (lib.js) and the page
// reloads on the same group. The group the review page sent the grader to gets the cursor in
// its points field: the HTML autofocus is not enough, since browsers ignore it when the address
// has a fragment (#group-focus) and scrolling to it takes the focus away again.
(function () {
  "use strict";
  const table = document.getElementById("groups");
  if (!table) return;
  const flash = document.getElementById("flash");
  const groups = [...table.querySelectorAll("tbody.group")];
  let current = groups.findIndex((g) => g.classList.contains("focus"));
  let busy = false;

  function say(text, ok) {
    flash.hidden = false;
    flash.textContent = text;
    flash.className = "flash " + (ok ? "ok" : "error");
  }

  function choose(i) {
    if (!groups.length) return;
    current = Math.max(0, Math.min(groups.length - 1, i));
    groups.forEach((g, k) => g.classList.toggle("focus", k === current));
    groups[current].scrollIntoView({ block: "nearest" });
  }

  function group() { return current >= 0 ? groups[current] : null; }

  // After an action the page reloads with its message, the keys acting on the same group
  // (or the one the action made), and the cursor left out of the fields.
  function reloadOn(key, text) {
    sessionStorage.setItem("groups-flash", text);
    sessionStorage.setItem("groups-choose", key);
    window.location.reload();
  }

  async function post(form) {
    if (!form || busy) return;
    busy = true;
    form.querySelectorAll("button").forEach((b) => (b.disabled = true));
    try {
      const r = await gradebook.post(form.action, new FormData(form));
      const body = await r.json().catch(() => ({ error: r.status + " " + r.statusText }));
      if (r.ok) {
        const g = form.closest("tbody.group");
        reloadOn(body.group_key || (g && g.dataset.group) || "", body.message || "Done.");
        return;
      }
      say(body.error || "Not saved.", false);
    } catch (e) {
      say("Not saved: the server did not answer (" + e + "). Try again.", false);
    } finally {
      busy = false;
      form.querySelectorAll("button").forEach((b) => (b.disabled = false));
    }
  }

  const saved = sessionStorage.getItem("groups-flash");
  const chosen = sessionStorage.getItem("groups-choose");
  sessionStorage.removeItem("groups-flash");
  sessionStorage.removeItem("groups-choose");
  if (saved) say(saved, true);
  if (chosen !== null) {
    const i = groups.findIndex((g) => g.dataset.group === chosen);
    if (i >= 0) choose(i);
  }

  table.querySelectorAll("form").forEach((form) =>
    form.addEventListener("submit", (ev) => { ev.preventDefault(); post(form); }));
  const merge = document.getElementById("merge-form");
  const undo = document.getElementById("groups-undo");
  [merge, undo].forEach((form) => form && form.addEventListener("submit", (ev) => { ev.preventDefault(); post(form); }));
  groups.forEach((g, i) => g.addEventListener("focusin", () => choose(i)));

  const field = table.querySelector("[autofocus]");
  if (field) {
    window.addEventListener("load", () => {
      const active = document.activeElement;
      if (saved !== null) { if (active === field) field.blur(); return; }
      if (!active || active === document.body) field.focus({ preventScroll: true });
    });
  }

  function typing(el) {
    return el && (el.tagName === "TEXTAREA" || el.tagName === "SELECT" ||
      (el.tagName === "INPUT" && !["checkbox", "radio", "button", "submit"].includes(el.type)));
  }

  function within(selector) {
    const g = group();
    return g ? g.querySelector(selector) : null;
  }

  const actions = {
    j: () => choose(current + 1),
    k: () => choose(current - 1),
    a: () => {
      const form = within("form.accept-form");
      if (form) post(form);
      else say("Nothing to accept in this group: every copy is graded, or it has no suggestion.", false);
    },
    o: () => { const d = within("details.copies"); if (d) d.open = !d.open; },
    p: () => { const f = within('input[name="points"]'); if (f) f.focus(); },
    x: () => { const b = within('input[name="groups"]'); if (b) b.checked = !b.checked; },
    m: () => post(merge),
    u: () => post(undo),
  };

  document.addEventListener("keydown", (ev) => {
    const el = document.activeElement;
    if (ev.key === "Escape") { if (el) el.blur(); return; }
    if (typing(el) || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (gradebook.shortcutsOn && !gradebook.shortcutsOn()) return;
    if (current < 0 && (ev.key === "j" || ev.key === "k")) { choose(0); ev.preventDefault(); return; }
    if (current < 0 && "aopx".includes(ev.key)) choose(0);
    const action = actions[ev.key];
    if (action) { ev.preventDefault(); action(); }
  });
})();
