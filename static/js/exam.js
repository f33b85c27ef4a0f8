// Exam page: upload scan files and show a live progress bar per batch.
// While a file is being sent its batch id is not known yet (with the in-process pipeline the
// upload request itself runs the work), so the page polls the exam's progress list every
// second until every batch it shows is done or failed.
(function () {
  "use strict";
  const form = document.getElementById("scan-form");
  if (!form) return;
  const box = document.getElementById("upload-progress");
  const listUrl = form.dataset.progressUrl;
  const bars = new Map(); // batch id -> element
  let timer = null;
  let sending = 0;
  // Batches listed when the page was rendered: shown again only while still running.
  const known = new Set(
    [...document.querySelectorAll("#batches tr[data-batch]")].map((tr) => Number(tr.dataset.batch))
  );

  function bar(batch) {
    let el = bars.get(batch.id);
    if (!el) {
      el = document.createElement("div");
      el.className = "progress";
      el.dataset.batch = batch.id;
      el.innerHTML =
        '<div class="label"><span class="name"></span><span class="count"></span></div>' +
        '<div class="bar" role="progressbar" aria-valuemin="0" aria-valuemax="100"><div class="fill"></div></div>' +
        '<div class="small error msg"></div>';
      el.querySelector(".name").textContent = batch.name;
      box.appendChild(el);
      bars.set(batch.id, el);
    }
    const total = batch.pages_total || 0;
    const pct = total ? Math.round((100 * batch.pages_done) / total) : batch.done ? 100 : 2;
    el.querySelector(".fill").style.width = pct + "%";
    el.querySelector(".bar").setAttribute("aria-valuenow", String(pct));
    el.querySelector(".count").textContent =
      batch.status_display + (total ? " · " + batch.pages_done + "/" + total + " pages" : "") +
      (batch.detail ? " · " + batch.detail : "");
    el.querySelector(".msg").textContent = batch.error || "";
    el.classList.toggle("done", batch.status === "done");
    el.classList.toggle("failed", batch.status === "failed");
    el.dataset.status = batch.status;
    el.dataset.settled = batch.done ? "true" : "false";
    return el;
  }

  async function poll() {
    try {
      const r = await gradebook.getJSON(listUrl);
      if (r.ok) {
        const data = await r.json();
        data.batches.forEach((b) => { if (bars.has(b.id) || !known.has(b.id) || !b.done) bar(b); });
      }
    } catch (e) { /* the next tick tries again */ }
    // A batch waiting for a person (stopped, or for the answer key) no longer moves by itself.
    const busy = [...bars.values()].some((el) => el.dataset.settled !== "true");
    if (sending || busy) timer = setTimeout(poll, 1000);
    else {
      timer = null;
      if (bars.size && !document.getElementById("upload-finished")) {
        const p = document.createElement("p");
        p.id = "upload-finished";
        p.className = "small";
        p.innerHTML = 'Processing finished. <a href="">Refresh the page</a> to see the new answers and the needs-attention count.';
        box.appendChild(p);
      }
    }
  }

  function note(text, cls) {
    const p = document.createElement("p");
    p.className = "small " + (cls || "muted");
    p.textContent = text;
    box.appendChild(p);
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const files = [...form.querySelector('input[type="file"]').files];
    if (!files.length) return;
    const button = form.querySelector("button");
    button.disabled = true;
    sending = files.length;
    if (!timer) timer = setTimeout(poll, 300);
    await Promise.all(files.map(async (file) => {
      const data = new FormData();
      data.append("files", file);
      try {
        const r = await gradebook.post(form.action, data);
        const body = await r.json();
        if (!r.ok) note(file.name + ": " + (body.error || r.statusText), "error");
        else body.batches.forEach((b) => { bar(b); if (!b.created) note(b.message); });
      } catch (e) {
        note(file.name + ": upload failed (" + e + ")", "error");
      } finally {
        sending -= 1;
      }
    }));
    button.disabled = false;
    form.reset();
    if (!timer) poll();
  });

  poll(); // a batch still running when the page was (re)loaded gets its bar back
})();
