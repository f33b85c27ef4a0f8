// Rubric page: ask before saving new points for an item in use (every answer using it is
// re-scored); the delete button asks through data-confirm (lib.js).
(function () {
  "use strict";
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
