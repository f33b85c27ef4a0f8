// New exam from its text: keep each question's sum of part points and the total up to date
// while the instructor edits the points, and mark sums that disagree with what is printed.
(function () {
  "use strict";
  const table = document.getElementById("structure");
  if (!table) return;
  const total = document.getElementById("structure-total");
  const cents = (input) => {
    const v = input.value.trim();
    return /^\d+(\.\d{1,2})?$/.test(v) ? Math.round(Number(v) * 100) : null;
  };
  const show = (c) => (c / 100).toString();

  function update() {
    let sum = 0;
    let bonus = 0;
    let complete = true;
    table.querySelectorAll("tbody[data-question]").forEach((body) => {
      const values = [...body.querySelectorAll("input.points")].map(cents);
      body.querySelectorAll("input.points").forEach((i, k) => i.classList.toggle("missing", values[k] === null));
      const out = body.querySelector("output[data-sum]");
      if (values.some((v) => v === null)) {
        out.textContent = "–";
        complete = false;
        return;
      }
      const q = values.reduce((a, b) => a + b, 0);
      out.textContent = show(q);
      const stated = out.dataset.stated;
      out.classList.toggle("mismatch", stated !== "" && Math.round(Number(stated) * 100) !== q);
      if (body.hasAttribute("data-bonus")) bonus += q;
      else sum += q;
    });
    total.textContent = complete ? show(sum) + (bonus ? " + " + show(bonus) + " bonus" : "") : "–";
    const stated = total.dataset.stated;
    total.classList.toggle("mismatch", complete && stated !== "" && Math.round(Number(stated) * 100) !== sum);
  }

  table.addEventListener("input", update);
  update();
})();
