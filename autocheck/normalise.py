"""Rewrite a student's LaTeX into the form the parser and comparators expect.

What is rewritten and why (see CHECKER-NOTES in the shared folder):

- ``\\log`` means the natural log in these courses, so it becomes ``\\ln`` unless the key's
  ``log_base`` flag says 10 (explicit ``\\log_{10}``/``\\log_2`` are left alone); the OCR
  confusion ``In 0.3`` is read as ``\\ln 0.3`` where it cannot be the English word.
- ``\\times``/``\\cdot`` between numbers is a product for numbers, but a separator for
  shapes: it is left untouched for shapes and made ``\\cdot`` otherwise; so is a letter
  ``x`` between two numbers in a number (``20 x 32 + 32``), as people type a product.
- ``1.2 \\times 10^{-3}`` (``\\cdot``, ``1.2e-3``) becomes ``1.2e-3`` when it is the whole
  number (kept digits, no SymPy needed), and ``(1.2 \\cdot 10^{-3})`` inside a longer
  expression, so that ``e`` is never read as Euler's number;
- thousands separators are joined (``200,000,100``, ``200 000 100``, thin spaces, ``\\,``,
  ``\\!``, ``200{,}000``, ``14 {, }916``) where they cannot be a decimal comma; an ambiguous
  ``1,204`` is left for the reader (:func:`decimal_readings`) to read both ways;
- braceless ``\\frac13`` and ``\\sqrt3`` get their braces; ``\\cfrac`` is ``\\frac``;
- ``\\(``, ``\\)``, ``\\[``, ``\\]``, spacing (``\\;``, ``\\,``), ``\\left``/``\\right``,
  ``\\text{units}`` (with their exponent: ``15\\text{ cm}^2`` is 15), degrees, currency signs
  and font wrappers are removed; "percent" and "pct" are ``%``.

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

_DELIMITERS_RE = re.compile(r"\\[()\[\]]")
_SPACING_RE = re.compile(
    r"(?<!\\)\\[;,!: ]|\\q?quad\b|\\displaystyle\b|\\left\b|\\right\b|\\big+[lr]?\b"
)
_FONT_RE = re.compile(r"\\(?:mathbf|boldsymbol|bm|mathit|mathrm|mathsf|vec)\s*\{([^{}]*)\}")
_TEXT_RE = re.compile(
    r"\\(?:text|textrm|textbf|textit|textnormal|textsf|mbox|operatorname)\s*\{([^{}]*)\}"
    r"(\s*\^\s*(?:\{[^{}]*\}|\d))?"
)
_FRAC_RE = re.compile(r"\\[dtc]frac(?![a-zA-Z])")
# Braceless arguments: \frac13, \frac3{3}, \frac{3}3, \frac94\pi, \sqrt3, \sqrt 2.
_FRAC_DIGITS_RE = re.compile(r"\\frac\s*(\d)\s*(\d)")
_FRAC_FIRST_RE = re.compile(r"\\frac\s*(\d)\s*(?=\{)")
_FRAC_SECOND_RE = re.compile(r"(\\frac\s*\{[^{}]*\})\s*(\d)")
_SQRT_DIGITS_RE = re.compile(r"\\sqrt\s*(\d+(?:\.\d+)?)")
_DEGREES_RE = re.compile(r"\^\s*\{?\s*\\circ\s*\}?|°|\\degree\b")
_CURRENCY_RE = re.compile(r"\\\$|€|£|¥|\\euro\b|\\pounds\b")
# (?<!\s): never from inside a run of spaces, which would be rescanned from each of them.
_PERCENT_WORD_RE = re.compile(r"(?<!\s)\s*(?:\\%|\bpercent(?:age)?\b|\bpct\b)")
_LOG_RE = re.compile(r"\\log(?![a-zA-Z])(?!\s*_)")
_PLAIN_LOG_RE = re.compile(r"(?<![\\a-zA-Z])log(?=\s*[\d(.{\\])")
_PLAIN_LN_RE = re.compile(r"(?<![\\a-zA-Z])ln(?=\s*[\d(.{\\])")
# "In" is an OCR misreading of "ln" only where it is followed by a number or bracket.
_OCR_IN_RE = re.compile(r"(?<![\\A-Za-z])In(?=\s*(?:\d|\(|\\frac|\.\d))")
# (?<!\d): never from inside a number, which would be rescanned from each of its digits.
_SCI_RE = re.compile(
    r"(?<!\d)(\d+(?:\.\d+)?)\s*(?:\\times|\\cdot|\*|x)\s*10\s*\^\s*(?:\{\s*([+-]?\d+)\s*\}|([+-]?\d))(?![\d.])"
)
_E_NOTATION_RE = re.compile(r"(?<![\w\\.])(\d+(?:\.\d+)?)[eE]([+-]?\d+)(?![\w.])")
_POW10_RE = re.compile(r"(?<![\d.}])10\s*\^\s*\{\s*([+-]?\d+)\s*\}")
# Thousands separators, each kind used consistently within one number. A lone comma group
# ("1,204") may be a decimal comma: it is left to decimal_readings.
_GROUP_SEPS = (
    r"\s*\{\s*,\s*\}\s*",
    r",\s*\\[!,;]\s*",
    r"\\[!,;]",
    r"[\u2009\u202f]",
    r"\\ ",
    r" ",
)
_GROUP_RES = tuple(
    re.compile(r"(?<![\d.,])\d{1,3}(?:(?:" + sep + r")\d{3})+(?![\d])") for sep in _GROUP_SEPS
)
_COMMA_GROUPS_RE = re.compile(r"(?<![\d.,])[1-9]\d{0,2}(,\d{3})+(?=\.\d|(?![\d,]))")
_WS_RE = re.compile(r"\s+")
# The parser silently drops "^T" and primes (W^T x -> W x, f'(g) -> f(g)): keep them visible
# as distinct symbols so a transposed or differentiated quantity never equals the plain one.
_TRANSPOSE_RE = re.compile(
    r"\^\s*(?:\{\s*(?:T|\\top|\\intercal|\\mathsf\{T\})\s*\}|T(?![a-zA-Z])|\\top\b|\\intercal\b)"
)
# "20 x 32": a letter x between two numbers is a product in a number (a shape keeps it)
_TIMES_X_RE = re.compile(r"(?<=[\d)])\s*[xX]\s*(?=[\d(])")
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
    numeric = kind in NUMERIC_WRITING
    if numeric:
        s = _CURRENCY_RE.sub(" ", s)
        s = join_thousands(s)
    s = s.replace("$", " ")
    s = _DELIMITERS_RE.sub(" ", s)
    s = _SPACING_RE.sub(" ", s)
    s = s.replace("~", r" \approx ")
    s = _FRAC_RE.sub(r"\\frac", s)
    s = _strip_wrappers(s)
    s = _TEXT_RE.sub(_text_group, s)
    s = _braces(s)
    s = s.replace(r"\%", "%")
    s = _OCR_IN_RE.sub(r"\\ln", s)
    s = _PLAIN_LN_RE.sub(r"\\ln", s)
    if log_base == "10":
        s = _PLAIN_LOG_RE.sub(r"\\log_{10}", s)
        s = _LOG_RE.sub(r"\\log_{10}", s)
    else:
        s = _PLAIN_LOG_RE.sub(r"\\ln", s)
        s = _LOG_RE.sub(r"\\ln", s)
    if numeric:
        s = _DEGREES_RE.sub(" ", s)
        s = _PERCENT_WORD_RE.sub("%", s)
        s = _scientific(s)
        s = _POW10_RE.sub(lambda m: f"1e{m.group(1)}", s) if _is_bare_pow10(s) else s
        s = _TIMES_X_RE.sub(r" \\cdot ", s)
    s = _TRANSPOSE_RE.sub("_{T}", s)
    s = _PRIME_RE.sub(r"\1_{prime}", s)
    if kind != "shape":
        s = s.replace(r"\times", r"\cdot ")
    s = _WS_RE.sub(" ", s).strip()
    return s.rstrip(".").strip() if kind != "choice" else s


#: Kinds whose answers are numbers written as people write them (thousands separators,
#: scientific notation, percent signs, units to drop).
NUMERIC_WRITING = frozenset({"number", "integer", "percentage"})


def join_thousands(s: str) -> str:
    """Join digit groups written with a thousands separator (``200,000,100``, ``1 000``,
    ``11,\\!111``, ``14{,}916``, thin spaces). A lone comma group (``1,204``) is left alone:
    it may be a decimal comma (:func:`decimal_readings`)."""
    for pattern in _GROUP_RES:
        s = pattern.sub(lambda m: re.sub(r"\D", "", m.group(0)), s)
    return _COMMA_GROUPS_RE.sub(_comma_groups, s)


def _comma_groups(m: re.Match[str]) -> str:
    # Two groups or more (1,234,567), or a decimal point after them (1,000.99): thousands.
    text = m.group(0)
    after = m.string[m.end() : m.end() + 1]
    if text.count(",") >= 2 or after == ".":
        return text.replace(",", "")
    return text


_AMBIGUOUS_RE = re.compile(r"(?<![\d.,])([1-9]\d{0,2})[,.](\d{3})(?![\d.,])")
_DECIMAL_COMMA_RE = re.compile(r"(?<![\d,])(\d+),(\d+)(?![\d,])")


def decimal_readings(s: str, decimal_comma: bool | None = None) -> tuple[str, ...]:
    """The ways a normalised number may be read, by its decimal sign: one, or two when a
    separator could be a decimal sign or a thousands separator and the course has not said
    which its students use (``1,204``: 1204 or 1.204).

    ``decimal_comma``: ``True`` when the course writes ``1,5``, ``False`` when it writes
    ``1.5``, ``None`` when unknown. An unambiguous comma (``2,74``, ``0,111``, ``1000,99``) is
    a decimal comma whatever the setting.
    """
    m = _AMBIGUOUS_RE.search(s)
    if m is not None:
        sep = s[m.end(1)]
        thousands = s[: m.start()] + m.group(1) + m.group(2) + s[m.end() :]
        decimal = s[: m.start()] + m.group(1) + "." + m.group(2) + s[m.end() :]
        if sep == ",":
            if decimal_comma is None:
                return (_decimal_comma(thousands), _decimal_comma(decimal))
            return (_decimal_comma(decimal if decimal_comma else thousands),)
        if decimal_comma:  # "1.204" where the comma is the decimal sign
            return (_decimal_comma(thousands), _decimal_comma(decimal))
    return (_decimal_comma(s),)


def _decimal_comma(s: str) -> str:
    return _DECIMAL_COMMA_RE.sub(r"\1.\2", s)


def _scientific(s: str) -> str:
    """``a \\times 10^{b}`` and ``aEb``: e-notation when that is the whole number, else an
    explicit power of ten (``e`` would be Euler's number in an expression)."""
    whole = _SCI_RE.fullmatch(s.strip())
    if whole is not None:
        return f"{whole.group(1)}e{whole.group(2) or whole.group(3)}"
    if _E_NOTATION_RE.fullmatch(s.strip()):
        return s.strip()
    s = _SCI_RE.sub(lambda m: f"({m.group(1)} \\cdot 10^{{{m.group(2) or m.group(3)}}})", s)
    return _E_NOTATION_RE.sub(lambda m: f"({m.group(1)} \\cdot 10^{{{m.group(2)}}})", s)


def _braces(s: str) -> str:
    s = _FRAC_DIGITS_RE.sub(r"\\frac{\1}{\2}", s)
    s = _FRAC_FIRST_RE.sub(r"\\frac{\1}", s)
    s = _FRAC_SECOND_RE.sub(r"\1{\2}", s)
    return _SQRT_DIGITS_RE.sub(r"\\sqrt{\1}", s)


def _is_bare_pow10(s: str) -> bool:
    return bool(re.fullmatch(r"\s*[+-]?\s*10\s*\^\s*\{\s*[+-]?\d+\s*\}\s*", s))


_DOUBLED_RE = re.compile(r"\\\\(?=[a-zA-Z{}()\[\]$%,!;])")
# "\n" before a non-letter is an escaped newline, not a command.
_SINGLE_COMMAND_RE = re.compile(r"(?<!\\)\\(?!n(?![a-zA-Z]))[a-zA-Z]")
# Control characters where a LaTeX command lost its backslash to a string escape
# ("\frac" typed in a plain string is a form feed and "rac").
_CONTROL_RE = re.compile(
    r"[\x07\x08\x0b\x0c\r](?=[a-zA-Z])|\t(?=ext\b|ext\{|imes\b|heta\b|au\b|an\b|frac)"
)
_CONTROL_LETTERS = {"\x07": "a", "\x08": "b", "\x0b": "v", "\x0c": "f", "\r": "r", "\t": "t"}


def undouble_escapes(text: str) -> str:
    """Text whose LaTeX was escaped twice (``\\\\frac{1}{2}``, as JSON-escaped output
    arrives) with its backslashes halved; any other text unchanged. A text with a single
    command anywhere is taken as written (``\\\\`` is then a line break)."""
    text = _CONTROL_RE.sub(lambda m: "\\" + _CONTROL_LETTERS[m.group(0)], text)
    if not _DOUBLED_RE.search(text):
        return text
    rest = _DOUBLED_RE.sub("", text)
    if re.search(r"(?<!\\)\\n(?![a-zA-Z])", rest):  # escaped newlines: "\ndraw" is one too
        rest = re.sub(r"(?<!\\)\\n", "", rest)
    if _SINGLE_COMMAND_RE.search(rest):
        return text
    return text.replace("\\\\", "\\")


_BOX_RE = re.compile(r"\\(?:boxed|fbox)\s*\{")


def unbox(s: str) -> str:
    """``\\boxed{x}`` and ``\\fbox{x}`` as ``x`` (nested braces kept)."""
    m = _BOX_RE.search(s)
    while m is not None:
        depth, i = 0, m.end() - 1
        for i in range(m.end() - 1, len(s)):
            depth += {"{": 1, "}": -1}.get(s[i], 0)
            if depth == 0:
                break
        if depth != 0:
            return s
        s = s[: m.start()] + s[m.end() : i] + s[i + 1 :]
        m = _BOX_RE.search(s)
    return s


def _strip_wrappers(s: str) -> str:
    s = unbox(s)
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
    if rest.startswith("(") and re.fullmatch(r"[A-Za-z]+", word) and not m.group(2):
        return f" {word}"
    if re.fullmatch(r"\s*[-+]?\d+(?:\.\d+)?\s*", word):
        return f" {word} "  # \text{13}: a number written as text
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
    s = _DELIMITERS_RE.sub("", s)
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
