"""Rewrite a student's LaTeX into the form the parser and comparators expect.

What is rewritten and why (see CHECKER-NOTES in the shared folder):

- ``\\log`` means the natural log in these courses, so it becomes ``\\ln`` unless the key's
  ``log_base`` flag says 10 (explicit ``\\log_{10}``/``\\log_2`` are left alone); the OCR
  confusion ``In 0.3`` is read as ``\\ln 0.3`` where it cannot be the English word.
- ``\\times``/``\\cdot`` between numbers is a product for numbers, but a separator for
  shapes: it is left untouched for shapes and made ``\\cdot`` otherwise.
- ``1.2 \\times 10^{-3}`` becomes ``1.2e-3`` for numbers (kept digits, no SymPy needed).
- spacing (``\\;``, ``\\,``), ``\\left``/``\\right``, ``\\text{units}``, thousands separators
  (``200,000,100``, ``200 000 100``, ``200{,}000``) and font wrappers are removed.

Every rewrite is a pure function of the text and the options, so a reviewer can re-run it.
"""

from __future__ import annotations

import re
from functools import lru_cache

_UNICODE = {
    "−": "-",
    "–": "-",
    "≈": r"\approx ",
    "≃": r"\approx ",
    "×": r"\times ",
    "·": r"\cdot ",
    "⋅": r"\cdot ",
    "√": r"\sqrt ",
    "π": r"\pi ",
    "α": r"\alpha ",
    "β": r"\beta ",
    "σ": r"\sigma ",
    "ε": r"\epsilon ",
    "δ": r"\delta ",
    "λ": r"\lambda ",
    "∞": r"\infty ",
    "→": r"\rightarrow ",
    "⇒": r"\Rightarrow ",
    "ℓ": "l",
    "\u00a0": " ",
}

_SPACING_RE = re.compile(
    r"(?<!\\)\\[;,!: ]|\\q?quad\b|\\displaystyle\b|\\left\b|\\right\b|\\big+[lr]?\b"
)
_FONT_RE = re.compile(r"\\(?:mathbf|boldsymbol|bm|mathit|mathrm|mathsf|vec)\s*\{([^{}]*)\}")
_TEXT_RE = re.compile(r"\\(?:text|textrm|textbf|textit|mbox|operatorname)\s*\{([^{}]*)\}")
_FRAC_RE = re.compile(r"\\[dt]frac\b")
_LOG_RE = re.compile(r"\\log(?![a-zA-Z])(?!\s*_)")
_PLAIN_LOG_RE = re.compile(r"(?<![\\a-zA-Z])log(?=\s*[\d(.{\\])")
_PLAIN_LN_RE = re.compile(r"(?<![\\a-zA-Z])ln(?=\s*[\d(.{\\])")
# "In" is an OCR misreading of "ln" only where it is followed by a number or bracket.
_OCR_IN_RE = re.compile(r"(?<![\\A-Za-z])In(?=\s*(?:\d|\(|\\frac|\.\d))")
_SCI_RE = re.compile(
    r"(\d+(?:\.\d+)?)\s*(?:\\times|\\cdot|\*|x)\s*10\s*\^\s*\{?\s*([+-]?\d+)\s*\}?(?![\d.])"
)
_POW10_RE = re.compile(r"(?<![\d.}])10\s*\^\s*\{\s*([+-]?\d+)\s*\}")
_THOUSANDS_COMMA_RE = re.compile(r"(?<![\d.,])\d{1,3}(?:(?:,|\{,\})\d{3})+(?![\d,])")
_THOUSANDS_SPACE_RE = re.compile(r"(?<![\d.])\d{1,3}(?: \d{3})+(?![\d.])")
_WS_RE = re.compile(r"\s+")
# The parser silently drops "^T" and primes (W^T x -> W x, f'(g) -> f(g)): keep them visible
# as distinct symbols so a transposed or differentiated quantity never equals the plain one.
_TRANSPOSE_RE = re.compile(
    r"\^\s*(?:\{\s*(?:T|\\top|\\intercal|\\mathsf\{T\})\s*\}|T(?![a-zA-Z])|\\top\b|\\intercal\b)"
)
_PRIME_RE = re.compile(r"([A-Za-z])\s*(?:'|\^\s*\{?\s*\\prime\s*\}?)")


def normalise(text: str, *, kind: str = "number", log_base: str = "e") -> str:
    """Normalise one candidate answer for a value of ``kind``.

    Parameters
    ----------
    text : str
        The candidate as extracted (may still contain ``$``, spacing, units).
    kind : str
        The expected value's kind: ``number``, ``integer``, ``vector``, ``matrix``,
        ``shape``, ``expression``, ``choice``, ``keywords``. Decides how ``\\times`` and
        commas are read.
    log_base : str
        ``"e"`` (default in these courses) or ``"10"``: what an unsubscripted log means.
    """
    s = text
    for k, v in _UNICODE.items():
        s = s.replace(k, v)
    s = s.replace("$", " ")
    s = _SPACING_RE.sub(" ", s)
    s = s.replace("~", r" \approx ")
    s = _FRAC_RE.sub(r"\\frac", s)
    s = _strip_wrappers(s)
    s = _TEXT_RE.sub(_text_group, s)
    s = s.replace(r"\%", "%")
    s = _OCR_IN_RE.sub(r"\\ln", s)
    s = _PLAIN_LN_RE.sub(r"\\ln", s)
    if log_base == "10":
        s = _PLAIN_LOG_RE.sub(r"\\log_{10}", s)
        s = _LOG_RE.sub(r"\\log_{10}", s)
    else:
        s = _PLAIN_LOG_RE.sub(r"\\ln", s)
        s = _LOG_RE.sub(r"\\ln", s)
    if kind in ("number", "integer"):
        s = _THOUSANDS_COMMA_RE.sub(lambda m: re.sub(r"\{,\}|,", "", m.group(0)), s)
        s = _THOUSANDS_SPACE_RE.sub(lambda m: m.group(0).replace(" ", ""), s)
        s = _SCI_RE.sub(lambda m: f"{m.group(1)}e{m.group(2)}", s)
        s = _POW10_RE.sub(lambda m: f"1e{m.group(1)}", s) if _is_bare_pow10(s) else s
    s = _TRANSPOSE_RE.sub("_{T}", s)
    s = _PRIME_RE.sub(r"\1_{prime}", s)
    if kind != "shape":
        s = s.replace(r"\times", r"\cdot ")
    s = _WS_RE.sub(" ", s).strip()
    return s.rstrip(".").strip() if kind != "choice" else s


def _is_bare_pow10(s: str) -> bool:
    return bool(re.fullmatch(r"\s*[+-]?\s*10\s*\^\s*\{\s*[+-]?\d+\s*\}\s*", s))


def _strip_wrappers(s: str) -> str:
    prev = None
    while prev != s:
        prev = s
        s = _FONT_RE.sub(r"\1", s)
        s = re.sub(r"\\mathcal\s*\{([^{}]*)\}", r"\1", s)
    return s


def _text_group(m: re.Match[str]) -> str:
    """``\\text{ReLU}(`` names a function we cannot evaluate: keep it visible as a symbol so
    the candidate stays unreadable instead of silently becoming its argument. Units and
    words (``\\text{ cm}``, ``\\text{epochs}``) are dropped."""
    word = m.group(1).strip()
    rest = m.string[m.end() :].lstrip()
    if rest.startswith("(") and re.fullmatch(r"[A-Za-z]+", word):
        return f" {word}"
    return " "


@lru_cache(maxsize=4096)
def symbol_key(text: str) -> str:
    """A canonical spelling of a symbol or label, for matching an equation's left side
    against a key's target symbols: ``\\hat{x}``, ``\\hat x`` and ``hat{x}`` agree;
    ``z_{2}``, ``z_2`` and ``z2`` agree; ``L_{CE}(q, q)`` is ``LCE``; ``\\# epochs`` is
    ``epochs``. Case is kept (``W`` is not ``w``)."""
    s = text
    for k, v in _UNICODE.items():
        s = s.replace(k, v)
    s = s.replace("$", "")
    s = _SPACING_RE.sub("", s)
    s = _strip_wrappers(s)
    s = _TEXT_RE.sub(r"\1", s)
    s = s.strip()
    # Drop a trailing argument list: L(y, v), L_{CE}[\hat y, y].
    prev = None
    while prev != s:
        prev = s
        s = re.sub(r"\s*(\([^()]*\)|\[[^\[\]]*\])\s*$", "", s) if not _only_group(s) else s
    s = re.sub(r"[\\{}_\s#*^'\"]", "", s)
    return s


def _only_group(s: str) -> bool:
    return bool(re.fullmatch(r"\s*(\([^()]*\)|\[[^\[\]]*\])\s*", s))
