// Render mathematics with the vendored KaTeX: elements with data-latex hold TeX; elements
// with data-math-text hold a student's transcription, shown as maths unless it reads as prose.
(function () {
  "use strict";
  function texOf(text) {
    return text
      .replace(/\s*[x×]\s*(?=\d)/g, " \\times ")
      .replace(/\*/g, " \\cdot ")
      .replace(/sqrt\(([^()]*)\)/g, "\\sqrt{$1}")
      .replace(/->/g, " \\to ");
  }
  function render() {
    if (!window.katex) return;
    document.querySelectorAll("[data-latex]").forEach((el) => {
      const tex = el.dataset.latex;
      if (!tex) return;
      try { window.katex.render(tex, el, { throwOnError: false, displayMode: false }); } catch (e) { /* keep the text */ }
    });
    document.querySelectorAll("[data-math-text]").forEach((el) => {
      const text = el.dataset.mathText.trim();
      if (!text || /[A-Za-z]{4,}/.test(text.replace(/sqrt|log|exp|tanh|sigma/g, ""))) return; // prose stays text
      try { window.katex.render(texOf(text), el, { throwOnError: false }); } catch (e) { /* keep the text */ }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", render);
  else render();
  window.gradebookMath = { render };
})();
