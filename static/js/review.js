// Review page: grade with the keyboard alone. Forms post with gradebook.post (lib.js, CSRF in the
// header); a 409 means someone else graded the answer meanwhile and is shown, never hidden.
(function () {
  "use strict";
  const root = document.getElementById("review");
  if (!root) return;
  const flash = document.getElementById("flash");
  const gradeForm = document.getElementById("grade-form");
  const acceptForm = document.getElementById("accept-form");
  const textForm = document.getElementById("transcription-form");
  const undoForm = document.getElementById("undo-form");
  let busy = false;

  function say(text, ok) {
    if (!flash) { if (!ok) window.alert(text); return; } // no answer open: no grade panel
    flash.textContent = text;
    flash.className = "flash " + (ok ? "ok" : "error");
  }

  function go(url) { if (url) window.location.assign(url); }

  async function post(form) {
    if (!form || busy) return;
    busy = true;
    form.querySelectorAll("button").forEach((b) => (b.disabled = true));
    try {
      const r = await gradebook.post(form.action, new FormData(form));
      const body = await r.json().catch(() => ({ error: r.status + " " + r.statusText }));
      if (r.ok) {
        const text = (body.undone ? "" : "Saved: ") + (body.message || "Saved.");
        say(text, true);
        // Shown again on the next answer's page, so a grader sees what was saved (or undone).
        sessionStorage.setItem("review-flash", text);
        go(body.next_url || body.reload_url || window.location.href);
        return;
      }
      say(body.error || "Not saved.", false);
      if (r.status === 409) flash.insertAdjacentHTML("beforeend", ' <a href="">Reload <kbd>r</kbd></a>');
    } catch (e) {
      say("Not saved: the server did not answer (" + e + "). Try again.", false);
    } finally {
      busy = false;
      form.querySelectorAll("button").forEach((b) => (b.disabled = b.id === "accept" && b.dataset.none === "1"));
    }
  }

  document.querySelectorAll("select[data-autosubmit]").forEach((el) =>
    el.addEventListener("change", () => el.form.submit()));

  const saved = sessionStorage.getItem("review-flash");
  if (saved) { sessionStorage.removeItem("review-flash"); say(saved, true); }

  [gradeForm, acceptForm, textForm, undoForm].forEach((form) => {
    if (!form) return;
    form.addEventListener("submit", (ev) => { ev.preventDefault(); post(form); });
  });
  const accept = document.getElementById("accept");
  if (accept && accept.disabled) accept.dataset.none = "1";

  // What saving would give, by the same rule as gradebook.services.rubric_points: items are
  // deductions from full marks when any is negative (or none is applied), else they add up
  // from zero; explicit points win; the result is clamped to [0, max].
  const preview = document.getElementById("preview");
  function num(v) { const n = parseFloat(String(v || "").replace(",", ".")); return isNaN(n) ? null : n; }
  function updatePreview() {
    if (!preview || !gradeForm) return;
    const max = num(preview.dataset.max);
    const items = [...gradeForm.querySelectorAll('input[name="rubric_items"]:checked')].map((b) => num(b.dataset.points));
    const adjust = num(gradeForm.elements.adjustment.value) || 0;
    const points = num(gradeForm.elements.points.value);
    if (points === null && !items.length && !adjust) { preview.textContent = ""; return; }
    let value = points;
    if (value === null) {
      const base = !items.length || items.some((p) => p < 0) ? max : 0;
      value = Math.min(Math.max(base + items.reduce((a, b) => a + b, 0) + adjust, 0), max);
    }
    preview.textContent = "Saving gives " + value.toFixed(2) + " / " + max.toFixed(2);
  }
  if (gradeForm) gradeForm.addEventListener("input", updatePreview);

  function typing(el) {
    return el && (el.tagName === "TEXTAREA" || el.tagName === "SELECT" ||
      (el.tagName === "INPUT" && !["checkbox", "radio", "button", "submit"].includes(el.type)));
  }

  function focus(id) {
    const el = document.getElementById(id);
    if (el) { el.focus(); if (el.select) el.select(); }
  }

  // "Add a rubric item": opening it puts the cursor in its label, so that what is typed next
  // is the label and never runs as shortcuts (a "u" undid a grade).
  // It opens here rather than by the browser, so that the label has the cursor before the
  // next key arrives (the browser's "toggle" event comes a moment later).
  const addItem = document.getElementById("add-item");
  if (addItem) {
    addItem.querySelector("summary").addEventListener("click", (ev) => {
      ev.preventDefault();
      addItem.open = !addItem.open;
      if (addItem.open) focus("add-item-label");
    });
  }

  // Enter saves the grade only from the page itself or the grade form: on anything else
  // (a link, a button, the "Add a rubric item" summary) it keeps its own meaning.
  function entersGrade(el) {
    return !el || el === document.body || (gradeForm && gradeForm.contains(el));
  }

  document.addEventListener("keydown", (ev) => {
    const el = document.activeElement;
    if (ev.key === "Escape") { if (el) el.blur(); return; }
    if (typing(el)) {
      // Enter in a one-line field saves its own form; Ctrl+Enter saves from a text area.
      const form = el.form;
      if (ev.key === "Enter" && form && (el.tagName === "INPUT" || ev.ctrlKey || ev.metaKey)) {
        ev.preventDefault();
        post(form);
      }
      return;
    }
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const key = ev.key;
    if (key === "Enter" && !entersGrade(el)) return;
    // A printable key is a single-key shortcut: none while the user has them off, and none
    // inside another form or what is marked data-no-shortcuts ("Add a rubric item", opening).
    if (key.length === 1 && (!gradebook.shortcutsOn() || (el && ((el.form && el.form !== gradeForm) ||
        (el.closest && el.closest("[data-no-shortcuts]")))))) return;
    if (/^[1-9]$/.test(key) && gradeForm) {
      const boxes = gradeForm.querySelectorAll('input[name="rubric_items"]');
      const box = boxes[Number(key) - 1];
      if (box) { box.checked = !box.checked; ev.preventDefault(); updatePreview(); }
      return;
    }
    const actions = {
      j: () => go(root.dataset.nextUrl), ArrowRight: () => go(root.dataset.nextUrl),
      k: () => go(root.dataset.prevUrl), ArrowLeft: () => go(root.dataset.prevUrl),
      a: () => post(acceptForm),
      s: () => post(gradeForm), Enter: () => post(gradeForm),
      p: () => focus("points"), d: () => focus("adjustment"), c: () => focus("comment"), t: () => focus("transcription-text"),
      g: () => go(root.dataset.groupUrl),
      u: () => post(undoForm),
      r: () => window.location.reload(),
    };
    if (actions[key]) { ev.preventDefault(); actions[key](); }
  });
})();
