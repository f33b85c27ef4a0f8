// Rubric page: ask before deleting an item (answers using it are re-scored without it), and
// before saving new points for an item in use (every answer using it is re-scored).
(function () {
  "use strict";
  document.querySelectorAll("form[data-confirm]").forEach((f) =>
    f.addEventListener("submit", (ev) => { if (!window.confirm(f.dataset.confirm)) ev.preventDefault(); }));
  document.querySelectorAll("form[data-uses]").forEach((f) => {
    const points = f.elements.points;
    const before = points.value;
    f.addEventListener("submit", (ev) => {
      const uses = Number(f.dataset.uses);
      if (uses && points.value.trim() !== before &&
          !window.confirm("Re-score the " + uses + " answer(s) using this item?")) ev.preventDefault();
    });
  });
})();
