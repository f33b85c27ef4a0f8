// Answer regions page: pick a part, drag a rectangle on a template page to set its region (or
// draw it from the keyboard), move or resize boxes, clear them, and save them all at once as
// JSON.
// Coordinates are page-normalised (0..1 across and down), rounded to 4 decimals as stored.
(function () {
  "use strict";
  const form = document.getElementById("regions-form");
  const list = document.getElementById("part-list");
  if (!form || !list) return;
  const state = JSON.parse(document.getElementById("regions-data").textContent);
  const marks = JSON.parse(document.getElementById("print-marks").textContent);
  const clash = document.getElementById("regions-clash");
  const items = [...list.querySelectorAll("li[data-part]")];
  const ids = items.map((li) => li.dataset.part);
  const papers = new Map([...document.querySelectorAll(".paper")].map((el) => [Number(el.dataset.page), el]));
  const status = document.getElementById("regions-status");
  const pagesInput = document.getElementById("pages-per-copy");
  const MIN = 0.01; // a smaller drag is a click, not a box
  let current = null;
  let dirty = false;
  let drag = null;
  let typed = "";
  let typedAt = 0;

  // The script sends the drawn state; the JSON box is for editing with scripts off.
  form.querySelector(".regions-json").hidden = true;

  const clamp = (v) => Math.min(1, Math.max(0, v));
  const round = (v) => Math.round(v * 10000) / 10000;
  const pct = (v) => (v * 100).toFixed(3) + "%";

  function say(text, cls) {
    status.textContent = text;
    status.className = "small " + (cls || "");
  }

  function setDirty() {
    dirty = true;
    say("Unsaved changes.", "warn");
  }

  function select(id, scroll) {
    if (!ids.includes(id)) return;
    current = id;
    items.forEach((li) => {
      const on = li.dataset.part === id;
      li.classList.toggle("current", on);
      if (on) li.setAttribute("aria-current", "true"); else li.removeAttribute("aria-current");
      if (on && scroll) li.scrollIntoView({ block: "nearest" });
    });
    document.querySelectorAll(".box").forEach((b) => b.classList.toggle("current", b.dataset.part === id));
    const box = document.querySelector('.box[data-part="' + CSS.escape(id) + '"]');
    if (box && scroll) box.scrollIntoView({ block: "nearest", inline: "nearest" });
  }

  // The print marks are on every page: a box over one hides the student's answer under the
  // stamp, or the stamp under the answer.
  function covered(page, box) {
    const hit = marks.find((m) => (m.page === null || m.page === page) && box[0] < m.box[2] && m.box[0] < box[2] && box[1] < m.box[3] && m.box[1] < box[3]);
    return hit ? hit.name : "";
  }

  function render() {
    document.querySelectorAll(".box").forEach((b) => b.remove());
    const clashes = [];
    items.forEach((li) => {
      const r = state[li.dataset.part];
      li.classList.toggle("unset", !r);
      li.querySelector(".where").textContent = r ? "p. " + r.page : "no region";
    });
    for (const [id, r] of Object.entries(state)) {
      if (!r || !papers.has(r.page)) continue;
      const [x0, y0, x1, y1] = r.box;
      const el = document.createElement("div");
      el.className = "box" + (id === current ? " current" : "") + (editing && id === editing.id ? " editing" : "");
      el.dataset.part = id;
      el.style.left = pct(x0);
      el.style.top = pct(y0);
      el.style.width = pct(x1 - x0);
      el.style.height = pct(y1 - y0);
      el.innerHTML = '<span class="tag"></span><i class="handle tl"></i><i class="handle tr"></i><i class="handle bl"></i><i class="handle br"></i>';
      el.querySelector(".tag").textContent = id;
      const mark = covered(r.page, r.box);
      if (mark) {
        el.classList.add("clash");
        el.title = "Covers " + mark;
        clashes.push(id + " covers " + mark);
      }
      papers.get(r.page).appendChild(el);
    }
    // The line keeps its height when empty: the pages must not shift under a drag.
    clash.textContent = clashes.length ? "Move these boxes off the print marks: " + clashes.join("; ") + "." : "";
    clash.title = clash.textContent;
  }

  function point(paper, ev) {
    const rect = paper.getBoundingClientRect();
    return [clamp((ev.clientX - rect.left) / rect.width), clamp((ev.clientY - rect.top) / rect.height)];
  }

  function boxFrom(a, b) {
    return [round(Math.min(a[0], b[0])), round(Math.min(a[1], b[1])), round(Math.max(a[0], b[0])), round(Math.max(a[1], b[1]))];
  }

  papers.forEach((paper, page) => {
    paper.addEventListener("pointerdown", (ev) => {
      if (ev.button !== 0) return;
      const boxEl = ev.target.closest(".box");
      const handle = ev.target.closest(".handle");
      const at = point(paper, ev);
      if (boxEl) select(boxEl.dataset.part, false);
      if (!current) {
        say("Pick a part first (on the left).", "warn");
        return;
      }
      const before = state[current] ? { page: state[current].page, box: [...state[current].box] } : null;
      if (handle && boxEl) {
        // The dragged corner follows the pointer; the opposite one stays put.
        const [x0, y0, x1, y1] = before.box;
        const c = handle.classList;
        const fixed = [c.contains("tl") || c.contains("bl") ? x1 : x0, c.contains("tl") || c.contains("tr") ? y1 : y0];
        drag = { mode: "resize", page, fixed, before };
      } else if (boxEl) {
        drag = { mode: "move", page, start: at, before };
      } else {
        drag = { mode: "draw", page, start: at, before };
      }
      paper.setPointerCapture(ev.pointerId);
      ev.preventDefault();
    });

    paper.addEventListener("pointermove", (ev) => {
      if (!drag || drag.page !== page) return;
      const at = point(paper, ev);
      if (drag.mode === "draw") {
        state[current] = { page, box: boxFrom(drag.start, at) };
      } else if (drag.mode === "resize") {
        state[current] = { page, box: boxFrom(drag.fixed, at) };
      } else {
        const [x0, y0, x1, y1] = drag.before.box;
        const dx = Math.min(1 - x1, Math.max(-x0, at[0] - drag.start[0]));
        const dy = Math.min(1 - y1, Math.max(-y0, at[1] - drag.start[1]));
        state[current] = { page, box: [x0 + dx, y0 + dy, x1 + dx, y1 + dy].map(round) };
      }
      render();
    });

    const finish = (ev) => {
      if (!drag || drag.page !== page) return;
      const r = state[current];
      const moved = JSON.stringify(r) !== JSON.stringify(drag.before);
      if (r && (r.box[2] - r.box[0] < MIN || r.box[3] - r.box[1] < MIN)) {
        state[current] = drag.before; // a click, or a box too small to write in
      } else if (moved) {
        setDirty();
      }
      drag = null;
      if (paper.hasPointerCapture(ev.pointerId)) paper.releasePointerCapture(ev.pointerId);
      render();
    };
    paper.addEventListener("pointerup", finish);
    paper.addEventListener("pointercancel", finish);
  });

  items.forEach((li) => li.addEventListener("click", () => select(li.dataset.part, true)));

  function clearCurrent() {
    if (!current || !state[current]) return;
    state[current] = null;
    setDirty();
    render();
  }
  document.getElementById("region-clear").addEventListener("click", clearCurrent);

  // Drawing from the keyboard. Enter on a part edits its box, making one first when it has
  // none (under the lowest box on the page of the part before it): arrows move the box,
  // Shift+arrows move its right and bottom edges, Page Up/Down take it to the page before
  // or after; Enter keeps it, Escape puts it back as it was.
  const STEP = 0.01;
  let editing = null;

  function newBox(id) {
    const before = ids.slice(0, ids.indexOf(id)).reverse().map((p) => state[p]).find(Boolean);
    const page = before ? before.page : Math.min(...papers.keys());
    const lowest = Math.max(0.3, ...Object.values(state).filter((r) => r && r.page === page).map((r) => r.box[3]));
    const top = lowest + 0.12 <= 0.95 ? lowest + 0.02 : 0.4;
    return { page, box: [0.1, top, 0.9, top + 0.1].map(round) };
  }

  function editStart() {
    if (!current) return;
    editing = { id: current, before: state[current] ? { page: state[current].page, box: [...state[current].box] } : null };
    if (!state[current]) { state[current] = newBox(current); setDirty(); }
    render();
    say("Editing the box of " + current + " on page " + state[current].page +
      ": arrows move it, Shift+arrows resize it, Page Up/Down change its page; Enter keeps it, Escape puts it back.", "warn");
  }

  function editEnd(keep) {
    if (!keep) state[editing.id] = editing.before;
    const changed = JSON.stringify(state[editing.id]) !== JSON.stringify(editing.before);
    editing = null;
    render();
    if (changed) setDirty();
    else say(keep ? "Box kept." : "Box put back as it was.", "");
  }

  function editKey(ev) {
    const r = state[editing.id];
    const arrows = { ArrowLeft: [-STEP, 0], ArrowRight: [STEP, 0], ArrowUp: [0, -STEP], ArrowDown: [0, STEP] };
    if (ev.key === "Enter" || ev.key === "Escape") {
      editEnd(ev.key === "Enter");
    } else if (arrows[ev.key]) {
      const [dx, dy] = arrows[ev.key];
      let [x0, y0, x1, y1] = r.box;
      if (ev.shiftKey) {
        x1 = Math.min(1, Math.max(x0 + MIN, x1 + dx));
        y1 = Math.min(1, Math.max(y0 + MIN, y1 + dy));
      } else {
        const mx = Math.min(1 - x1, Math.max(-x0, dx));
        const my = Math.min(1 - y1, Math.max(-y0, dy));
        [x0, y0, x1, y1] = [x0 + mx, y0 + my, x1 + mx, y1 + my];
      }
      state[editing.id] = { page: r.page, box: [x0, y0, x1, y1].map(round) };
    } else if (ev.key === "PageUp" || ev.key === "PageDown") {
      const page = r.page + (ev.key === "PageDown" ? 1 : -1);
      if (papers.has(page)) state[editing.id] = { page, box: r.box };
    } else {
      return;
    }
    ev.preventDefault();
    if (editing) {
      render();
      const b = state[editing.id].box;
      say(editing.id + ": page " + state[editing.id].page + ", from " + b[0].toFixed(2) + ", " + b[1].toFixed(2) +
        " to " + b[2].toFixed(2) + ", " + b[3].toFixed(2) + " (Enter keeps it, Escape puts it back).", "warn");
    }
  }

  document.addEventListener("keydown", (ev) => {
    if (ev.target.closest("input, textarea, select")) return;
    if ((ev.ctrlKey || ev.metaKey) && ev.key.toLowerCase() === "s") {
      ev.preventDefault();
      if (editing) editEnd(true);
      form.requestSubmit();
      return;
    }
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (editing) { editKey(ev); return; }
    if (ev.key === "Enter") {
      // A button or link keeps its Enter, but for the part list's own buttons.
      if (ev.target.closest("button, a, summary") && !ev.target.closest("#part-list")) return;
      ev.preventDefault();
      editStart();
      return;
    }
    const at = ids.indexOf(current);
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      const next = ev.key === "ArrowDown" ? Math.min(ids.length - 1, at + 1) : Math.max(0, at - 1);
      select(ids[at < 0 ? 0 : next], true);
    } else if (ev.key === "Delete" || ev.key === "Backspace") {
      ev.preventDefault();
      clearCurrent();
    } else if (ev.key === "Escape" && drag) {
      state[current] = drag.before;
      drag = null;
      render();
    } else if (/^[0-9a-z.]$/i.test(ev.key) && gradebook.shortcutsOn()) {
      // Typing a part id selects it: "3", ".", "2" -> 3.2 (the first id starting so).
      // A key that continues no id starts a new one.
      const now = Date.now();
      const key = ev.key.toLowerCase();
      const find = (t) => ids.find((id) => id.toLowerCase() === t) || ids.find((id) => id.toLowerCase().startsWith(t));
      typed = now - typedAt < 1500 && find(typed + key) ? typed + key : key;
      typedAt = now;
      const hit = find(typed);
      if (hit) select(hit, true);
    }
  });

  pagesInput.addEventListener("change", () => say("Save to apply the new number of pages.", "warn"));

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const button = document.getElementById("regions-save");
    button.disabled = true;
    const pages = Number(pagesInput.value);
    const regions = {};
    ids.forEach((id) => { regions[id] = state[id] || null; });
    try {
      const r = await gradebook.post(form.action, { regions, pages_per_copy: pages });
      const body = await r.json();
      if (!r.ok) {
        say(body.error || r.statusText, "error");
        return;
      }
      dirty = false;
      if (pages !== papers.size) {
        window.location.reload(); // the page images change with the number of pages
        return;
      }
      say(body.message, "ok");
      // The template pages now print the saved boxes: show the new version.
      papers.forEach((paper, page) => {
        paper.querySelector("img").src = paper.querySelector("img").src.replace(/\?v=.*$/, "") + "?v=" + body.version;
      });
    } catch (e) {
      say("Not saved: " + e, "error");
    } finally {
      button.disabled = false;
    }
  });

  window.addEventListener("beforeunload", (ev) => {
    if (dirty) { ev.preventDefault(); ev.returnValue = ""; }
  });

  render();
  select(ids.find((id) => !state[id]) || ids[0], false);
})();
