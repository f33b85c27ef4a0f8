// Answer groups page: the group the review page sent the grader to gets the cursor in its
// points field. The HTML autofocus is not enough: browsers ignore it when the address has a
// fragment (#group-focus), which this page's links always have, and scrolling to the fragment
// after the document is parsed takes the focus away again: so it is given once loaded.
(function () {
  "use strict";
  const field = document.querySelector("#groups [autofocus]");
  if (!field) return;
  window.addEventListener("load", () => {
    const active = document.activeElement;
    if (!active || active === document.body) field.focus({ preventScroll: true });
  });
})();
