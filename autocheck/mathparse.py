"""Read LaTeX answers into numbers, vectors and expressions, safely and cheaply.

Parsing is delegated to ``latex2sympy2_extended`` (the parser math-verify uses) with
``lowercase_symbols=False`` so ``W`` and ``w`` stay different, and cached by string: one
distinct string is parsed once per process. Everything that reaches SymPy first passes a size
guard (length, brace nesting) and the parsed tree is checked before anything is evaluated, so
``10^{10^{10}}`` is refused instead of computed. That bound works in any thread (no
``signal.alarm``), which matters inside Celery worker threads.

Anything that cannot be read raises :class:`Unreadable`; the checker turns that into
``needs_review``, never into ``incorrect``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

import sympy
from sympy.core.evalf import PrecisionExhausted

MAX_CHARS = 400
MAX_DEPTH = 10
MAX_NODES = 400
# |exponent| above which a numeric power is refused before evaluation (10^400 is already
# beyond a float; nobody writes a larger exam answer on purpose).
MAX_EXPONENT = 400

# Functions a student may legitimately write in a numeric or symbolic answer. Anything else
# (``\text{ReLU}(3)``, an OCR-garbled name) is a symbol we cannot judge.
_KNOWN_FUNCTIONS = (
    sympy.log,
    sympy.sec,
    sympy.csc,
    sympy.cot,
    sympy.asin,
    sympy.acos,
    sympy.atan,
    sympy.exp,
    sympy.sin,
    sympy.cos,
    sympy.tan,
    sympy.tanh,
    sympy.sinh,
    sympy.cosh,
    sympy.Abs,
    sympy.Max,
    sympy.Min,
    sympy.factorial,
    sympy.binomial,
    sympy.floor,
    sympy.ceiling,
)


class Unreadable(ValueError):
    """The text could not be read as the expected kind of value (never a wrong answer)."""


class TooComplex(Unreadable):
    """The input is above the size or nesting bound and was not handed to SymPy."""


_NUMBER_RE = re.compile(r"^\s*([+-]?)\s*(\d+(?:\.\d*)?|\.\d+)(?:\s*[eE]\s*([+-]?\d+))?\s*$")


@dataclass(frozen=True)
class ParsedNumber:
    """A number as the student wrote it.

    ``last_place`` is the decimal exponent of the last digit written (``1.204`` -> -3,
    ``20`` -> 0, ``1.2e-3`` -> -4); ``None`` when the answer was an exact form such as
    ``-\\ln 0.3`` or ``\\frac{1}{3}`` whose precision is unlimited.
    """

    value: float
    exact: sympy.Expr | None
    last_place: int | None
    text: str
    percent: bool = False  # written with "%": the comparator accepts value or value / 100


def check_size(text: str) -> None:
    """Refuse text that is too long, too deeply nested or unbalanced, before SymPy sees it."""
    if len(text) > MAX_CHARS:
        raise TooComplex(f"answer longer than {MAX_CHARS} characters")
    depth = 0
    pairs = {"}": "{", ")": "(", "]": "["}
    stack: list[str] = []
    for ch in text:
        if ch in "{([":
            stack.append(ch)
            depth = max(depth, len(stack))
        elif ch in "})]":
            # Intervals like (0, 1] are legal mathematics; only braces must balance exactly.
            if ch == "}" and (not stack or stack[-1] != "{"):
                raise Unreadable("unbalanced braces")
            if stack and stack[-1] == pairs[ch]:
                stack.pop()
            elif ch == "}":
                raise Unreadable("unbalanced braces")
    if "{" in stack:
        raise Unreadable("unbalanced braces")
    if depth > MAX_DEPTH:
        raise TooComplex(f"nesting deeper than {MAX_DEPTH}")


def _log10_size(base: sympy.Basic) -> float:
    if base.is_Number and base != 0:
        return abs(math.log10(abs(float(base))))
    return 1.0


def _exponent_size(exp: sympy.Basic) -> float:
    try:
        value = complex(exp.evalf(15))
    except (TypeError, ValueError, OverflowError) as exc:
        raise TooComplex("cannot bound the power") from exc
    if not math.isfinite(abs(value)):
        raise TooComplex("power too large to evaluate")
    return abs(value)


def check_tree(expr: sympy.Basic) -> None:
    """Refuse parsed trees that would be expensive or meaningless to evaluate."""
    for count, node in enumerate(sympy.preorder_traversal(expr), 1):
        if count > MAX_NODES:
            raise TooComplex(f"expression has more than {MAX_NODES} nodes")
        if isinstance(node, sympy.Pow):
            exp = node.exp
            if exp.has(sympy.Pow) and node.base.is_number and exp.is_number:
                # 10^{(-5+\sqrt{13})/6} is a number; 10^{10^{10}} is not evaluated. The
                # exponent is itself a smaller tree, checked before it is evaluated.
                check_tree(exp)
                size = _exponent_size(exp)
                if size * _log10_size(node.base) > MAX_EXPONENT:
                    raise TooComplex("nested numeric powers are too large to evaluate")
            elif exp.is_Number and abs(float(exp)) * _log10_size(node.base) > MAX_EXPONENT:
                raise TooComplex("power too large to evaluate")
        elif isinstance(node, sympy.factorial):
            arg = node.args[0]
            if not arg.is_Number or abs(float(arg)) > 170:
                raise TooComplex("factorial too large to evaluate")
        elif isinstance(node, sympy.binomial):
            if any(not a.is_Number or abs(float(a)) > 1000 for a in node.args):
                raise TooComplex("binomial too large to evaluate")
        elif (
            isinstance(node, sympy.Function) and not isinstance(node, _KNOWN_FUNCTIONS)
        ) or isinstance(node, sympy.core.function.AppliedUndef):
            raise Unreadable(f"unknown function {node.func}")


@lru_cache(maxsize=8192)
def parse_latex(text: str) -> sympy.Basic:
    """Parse one LaTeX string (already normalised) into SymPy; cached by string.

    Raises :class:`Unreadable` for anything the parser rejects or the guards refuse.
    """
    check_size(text)
    from latex2sympy2_extended import latex2sympy
    from latex2sympy2_extended.latex2sympy2 import ConversionConfig

    config = ConversionConfig(lowercase_symbols=False, interpret_as_mixed_fractions=False)
    try:
        expr = latex2sympy(text, conversion_config=config, normalization_config=None)
    except Exception as exc:  # the parser raises bare Exception on syntax errors
        raise Unreadable(f"cannot parse {text!r}") from exc
    if isinstance(expr, sympy.MatrixBase):
        expr = sympy.ImmutableMatrix(expr)
    if not isinstance(expr, sympy.Basic):
        raise Unreadable(f"cannot parse {text!r}")
    check_tree(expr)
    return expr


def decimal_places(text: str) -> int | None:
    """The decimal exponent of the last written digit of a plain decimal, else ``None``."""
    m = _NUMBER_RE.match(text)
    if not m:
        return None
    mantissa, exp = m.group(2), m.group(3)
    frac = mantissa.split(".", 1)[1] if "." in mantissa else ""
    return -len(frac) + (int(exp) if exp else 0)


def to_float(expr: sympy.Basic) -> float:
    """Evaluate a closed numeric expression; :class:`Unreadable` if it has free symbols."""
    if expr.free_symbols:
        names = ", ".join(sorted(str(s) for s in expr.free_symbols))
        raise Unreadable(f"unknown symbol(s): {names}")
    if isinstance(expr, sympy.MatrixBase) or not isinstance(expr, sympy.Expr):
        raise Unreadable("not a single number")
    try:
        value = complex(_evalf_strict(expr))
    except (TypeError, ValueError, OverflowError) as exc:
        raise Unreadable("not a number") from exc
    if abs(value.imag) > 1e-12 * max(1.0, abs(value.real)) or not math.isfinite(value.real):
        raise Unreadable("not a finite real number")
    return value.real


def _evalf_strict(expr: sympy.Expr) -> sympy.Expr:
    """Evaluate to 20 digits or refuse: plain ``evalf`` silently loses a cancellation such as
    ``10^{399} - 10^{399}``; exact arithmetic first (bounded by :func:`check_tree`) fixes it."""
    for candidate in (expr, expr.doit()):
        try:
            return candidate.evalf(20, strict=True)
        except PrecisionExhausted:
            continue
        except (TypeError, ValueError, ZeroDivisionError, OverflowError) as exc:
            raise Unreadable("cannot evaluate") from exc
    raise Unreadable("cannot evaluate to enough precision")


def parse_number(text: str) -> ParsedNumber:
    """Read one real number: a plain decimal (``1.204``, ``1.2e-3``) or a closed LaTeX form.

    The plain-decimal path keeps the digits the student wrote (for the significant-figure
    rule) and never touches SymPy.
    """
    cleaned = text.strip().rstrip(".")
    check_size(cleaned)
    if cleaned.endswith("%"):
        inner = parse_number(cleaned[:-1])
        return ParsedNumber(inner.value, inner.exact, inner.last_place, text, percent=True)
    m = _NUMBER_RE.match(cleaned)
    if m:
        sign = -1.0 if m.group(1) == "-" else 1.0
        mantissa = m.group(2)
        exp = int(m.group(3)) if m.group(3) else 0
        if abs(exp) > 300:
            raise TooComplex("exponent too large")
        value = sign * float(mantissa) * 10.0**exp
        if not math.isfinite(value):
            raise TooComplex("number out of range")
        exact: sympy.Expr | None = None
        if "." not in mantissa and exp >= 0:
            exact = sympy.Integer(int(sign) * int(mantissa) * 10**exp)
        return ParsedNumber(value, exact, decimal_places(cleaned), text)
    expr = parse_latex(cleaned)
    return ParsedNumber(to_float(expr), expr if isinstance(expr, sympy.Expr) else None, None, text)


def parse_tensor(text: str) -> tuple[tuple[float, ...], tuple[int, ...]]:
    """Read a vector or matrix: ``\\begin{pmatrix}..``, ``(a, b)``, ``[a, b]``, ``[[..],[..]]``,
    a bare ``a, b``, or any LaTeX whose value is a matrix (``2 \\begin{pmatrix}4\\\\2\\end{pmatrix}``)."""
    components, shape = parse_tensor_components(text)
    return tuple(float(c.value) for c in components), shape


def parse_tensor_components(text: str) -> tuple[tuple[ParsedNumber, ...], tuple[int, ...]]:
    """:func:`parse_tensor` keeping each component as written (its digits count)."""
    s = text.strip().rstrip(".")
    flat = _bracket_list(s) or _env_matrix(s)
    if flat is not None:
        return flat
    expr = parse_latex(s)
    if isinstance(expr, sympy.MatrixExpr) and not isinstance(expr, sympy.MatrixBase):
        try:
            expr = expr.as_explicit()
        except Exception as exc:  # sympy raises several types for shape mismatches
            raise Unreadable("matrix product of incompatible shapes") from exc
    if isinstance(expr, sympy.MatrixBase):
        rows, cols = expr.shape
        values = tuple(_exact(v) for v in expr)
        return values, ((rows,) if cols == 1 else (rows, cols))
    if isinstance(expr, sympy.Tuple):
        return tuple(_exact(v) for v in expr), (len(expr),)
    raise Unreadable("not a vector or matrix")


def _exact(v: sympy.Basic) -> ParsedNumber:
    return ParsedNumber(to_float(v), v if isinstance(v, sympy.Expr) else None, None, str(v))


_LIST_RE = re.compile(r"^(?:[\(\[]|\\\{|\{)\s*(.*?)\s*(?:[\)\]]|\\\}|\})$", re.S)
_ENV_MATRIX_RE = re.compile(r"^\\begin\{([pbvBV]?matrix)\}(.*)\\end\{\1\}$", re.S)


def _env_matrix(s: str) -> tuple[tuple[ParsedNumber, ...], tuple[int, ...]] | None:
    """A matrix environment of plain numbers, read cell by cell (digits kept); None when a
    cell is not a plain number (SymPy reads it then)."""
    m = _ENV_MATRIX_RE.match(s)
    if m is None:
        return None
    rows = [r for r in re.split(r"\\\\", m.group(2)) if r.strip()]
    cells = [[c.strip() for c in r.split("&")] for r in rows]
    if not cells or len({len(r) for r in cells}) != 1:
        return None
    if not all(_NUMBER_RE.match(c) for r in cells for c in r):
        return None
    values = tuple(parse_number(c) for r in cells for c in r)
    n_rows, n_cols = len(cells), len(cells[0])
    return values, ((n_rows,) if n_cols == 1 else (n_rows, n_cols))


def _bracket_list(s: str) -> tuple[tuple[ParsedNumber, ...], tuple[int, ...]] | None:
    """``(2, 2)``, ``[2, 2]``, ``[[1, 2], [3, 4]]`` without SymPy; None if not that shape."""
    if re.match(r"\[\s*\[|\(\s*\(", s):  # "[[1, 2], [3, 4]]", spaced too: "[ [ 1 , 2 ] ... ]"
        inner = s[1:-1].strip()
        rows = re.findall(r"[\(\[]([^\(\)\[\]]*)[\)\]]", inner)
        if not rows:
            return None
        parsed = [[parse_number(x) for x in _split_top(r)] for r in rows]
        if len({len(r) for r in parsed}) != 1:
            raise Unreadable("rows of different length")
        return tuple(v for r in parsed for v in r), (len(parsed), len(parsed[0]))
    m = _LIST_RE.match(s)
    if m and _balanced_outer(s):
        items = _split_top(m.group(1))
    elif len(_split_top(s, ",")) > 1:
        items = _split_top(s, ",")  # a bare list: "4, 5", "-5, \\frac{14}{3}"
    else:
        return None
    if len(items) < 2:
        return None
    return tuple(parse_number(x) for x in items), (len(items),)


def _balanced_outer(s: str) -> bool:
    """True when the first bracket of ``s`` closes at its last character."""
    depth = 0
    for i, ch in enumerate(s):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0 and i != len(s) - 1:
                return False
    return depth == 0


def _split_top(s: str, seps: str = ",;") -> list[str]:
    """Split on separators outside brackets."""
    out: list[str] = []
    cur: list[str] = []
    depth = 0
    for ch in s:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch in seps and depth == 0:
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur).strip())
    return [x for x in out if x]


_SHAPE_SEP = r"(?:\\times|\\cdot|×|[xX*,]|(?<=\s)by(?=\s))"  # "10 by 12" as said
# A match starts at a bracket, at the first of a run of spaces or at the first digit of a
# number: searched from inside a run, the same run would be rescanned from each position.
_SHAPE_START = r"(?:(?=[\(\[])|(?<!\s)(?=\s)|(?<![\d\s])(?=\d))"
SHAPE_RE = re.compile(_SHAPE_START + r"[\(\[]?\s*+\d+(?:\s*" + _SHAPE_SEP + r"\s*\d+)+\s*[\)\]]?")
# a one-axis shape: the output of a dense layer, "10" or "(10,)"
ONE_AXIS_SHAPE_RE = re.compile(r"[\(\[]?\s*+\d+\s*+,?\s*+[\)\]]?")


def parse_shape(text: str) -> tuple[int, ...]:
    """Read a tensor shape: ``126 \\times 126 \\times 1``, ``126x126x1``, ``(3, 3, 1, 1)``."""
    s = text.strip().rstrip(".")
    m = SHAPE_RE.fullmatch(s) or ONE_AXIS_SHAPE_RE.fullmatch(s)
    if not m:
        raise Unreadable("not a shape")
    dims = tuple(int(d) for d in re.findall(r"\d+", s))
    if len(dims) < 1:
        raise Unreadable("not a shape")
    return dims
