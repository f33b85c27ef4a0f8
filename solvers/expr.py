"""Safe parsing of the small expressions an answer key contains (``1/3``, ``ln(9)``,
``W1 @ x + b1``, ``alpha*sigmoid(x) + beta*step(x)``).

Answer keys are data, not code: nothing here calls :func:`eval` or :func:`sympy.sympify` on
the text. The string goes through :func:`ast.parse` and only a whitelist of node types,
operators and function names is accepted; integer powers are bounded so ``10^10^10`` is
refused before anything is evaluated. ``^`` is read as a power, ``ln`` and ``log`` are both
the natural log (the convention in these courses).
"""

from __future__ import annotations

import ast
import keyword
import re
from collections.abc import Callable, Mapping
from typing import Any

import sympy

MAX_LENGTH = 2000
MAX_DEPTH = 60
MAX_EXPONENT = 64


class ExpressionError(ValueError):
    """The text is not an expression this module accepts."""


MAX_EXP_ARGUMENT = 700  # e^700 ~ 1e304, the edge of IEEE doubles


def safe_exp(x: Any) -> Any:
    """``exp(x)``, refusing a numeric argument above 700: ``exp(exp(exp(100)))`` would
    otherwise make SymPy evaluate a number with ~1e43 digits in its exponent (a hang)."""
    x = sympy.sympify(x)
    if not x.free_symbols and x.is_number:
        value = sympy.N(x, 15)
        if value.is_real and value > MAX_EXP_ARGUMENT:
            raise OverflowError(f"exp({sympy.sstr(value)}) is too large to evaluate")
    return sympy.exp(x)


def _sigmoid(x: Any) -> Any:
    return 1 / (1 + safe_exp(-x))


def _step(x: Any) -> Any:
    # s(x) = 1 for x >= 0: the convention of the step function in the course notes.
    return sympy.Heaviside(x, 1)


def _relu(x: Any) -> Any:
    return sympy.Max(x, 0)


SCALAR_FUNCTIONS: Mapping[str, Callable[..., Any]] = {
    "exp": safe_exp,
    "log": sympy.log,
    "ln": sympy.log,
    "sqrt": sympy.sqrt,
    "tanh": sympy.tanh,
    "sin": sympy.sin,
    "cos": sympy.cos,
    "abs": sympy.Abs,
    "sigmoid": _sigmoid,
    "step": _step,
    "heaviside": _step,
    "relu": _relu,
    "softplus": lambda x: sympy.log(1 + safe_exp(x)),
    "max": sympy.Max,
    "min": sympy.Min,
}
SCALAR_CONSTANTS: Mapping[str, Any] = {"pi": sympy.pi, "e": sympy.E, "E": sympy.E}

_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.MatMult, ast.BitXor)


def parse(text: str) -> ast.expr:
    """Parse ``text`` into a validated Python AST expression (no evaluation)."""
    if not isinstance(text, str):
        raise ExpressionError(f"expected an expression string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_LENGTH} characters")
    # ``lambda`` (weight decay, a regulariser) is a Python keyword: parse it as ``lambda_``.
    text = _KEYWORDS.sub(lambda m: m.group(0) + "_", text)
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"cannot parse {text!r}: {exc.msg}") from None
    _validate(tree.body, 0)
    return tree.body


_KEYWORDS = re.compile(r"\b(?:" + "|".join(k for k in keyword.kwlist if k.islower()) + r")\b")


def name_of(identifier: str) -> str:
    """The name an identifier stands for: ``lambda_`` (as parsed) is ``lambda``."""
    stem = identifier[:-1]
    return stem if identifier.endswith("_") and keyword.iskeyword(stem) else identifier


def _validate(node: ast.AST, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise ExpressionError("expression nested too deeply")
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise ExpressionError(f"unsupported constant {node.value!r}")
        return
    if isinstance(node, ast.Name):
        return
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        _validate(node.operand, depth + 1)
        return
    if isinstance(node, ast.BinOp) and isinstance(node.op, _BINOPS):
        if isinstance(node.op, ast.Pow | ast.BitXor):
            exponent = node.right
            if isinstance(exponent, ast.UnaryOp) and isinstance(exponent.op, ast.USub):
                exponent = exponent.operand
            if (
                isinstance(exponent, ast.Constant)
                and isinstance(exponent.value, int | float)
                and abs(exponent.value) > MAX_EXPONENT
            ):
                raise ExpressionError(f"exponent larger than {MAX_EXPONENT}")
            if isinstance(exponent, ast.BinOp) and isinstance(exponent.op, ast.Pow | ast.BitXor):
                raise ExpressionError("nested powers are not accepted")
        _validate(node.left, depth + 1)
        _validate(node.right, depth + 1)
        return
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.keywords:
            raise ExpressionError("only plain function calls like f(x, y) are accepted")
        for arg in node.args:
            _validate(arg, depth + 1)
        return
    if isinstance(node, ast.Attribute) and node.attr == "T":
        _validate(node.value, depth + 1)
        return
    raise ExpressionError(f"unsupported syntax: {ast.unparse(node)!r}")


def to_sympy(
    text: str | ast.expr,
    symbols: Mapping[str, Any] | None = None,
    *,
    allow_new_symbols: bool = True,
) -> sympy.Expr:
    """Convert a scalar expression to SymPy. Decimals become exact rationals (0.3 -> 3/10).

    Unknown names become real symbols when ``allow_new_symbols``; ``symbols`` maps names to
    given SymPy objects (a symbol with assumptions, a number).
    """
    node = parse(text) if isinstance(text, str) else text
    table = dict(symbols or {})

    def conv(n: ast.AST) -> Any:
        if isinstance(n, ast.Constant):
            assert isinstance(n.value, int | float)  # guaranteed by _validate
            return exact_number(n.value)
        if isinstance(n, ast.Name):
            name = name_of(n.id)
            if name in table:
                return table[name]
            if name in SCALAR_CONSTANTS:
                return SCALAR_CONSTANTS[name]
            if not allow_new_symbols:
                raise ExpressionError(f"unknown name {name!r}")
            table[name] = sympy.Symbol(name, real=True)
            return table[name]
        if isinstance(n, ast.UnaryOp):
            value = conv(n.operand)
            return -value if isinstance(n.op, ast.USub) else value
        if isinstance(n, ast.BinOp):
            left, right = conv(n.left), conv(n.right)
            if isinstance(n.op, ast.Add):
                return left + right
            if isinstance(n.op, ast.Sub):
                return left - right
            if isinstance(n.op, ast.Mult | ast.MatMult):
                return left * right
            if isinstance(n.op, ast.Div):
                return left / right
            return left**right
        if isinstance(n, ast.Call):
            assert isinstance(n.func, ast.Name)  # guaranteed by _validate
            func = SCALAR_FUNCTIONS.get(n.func.id)
            if func is None:
                raise ExpressionError(f"unknown function {n.func.id!r}")
            return func(*(conv(a) for a in n.args))
        raise ExpressionError(f"unsupported in a scalar expression: {ast.unparse(n)!r}")

    return sympy.sympify(conv(node))


def exact_number(x: int | float) -> sympy.Expr:
    """The exact rational a decimal literal denotes: ``0.3`` -> ``3/10`` (not the binary float)."""
    if isinstance(x, bool):
        raise ExpressionError("a boolean is not a number")
    if isinstance(x, int):
        return sympy.Integer(x)
    if x != x or x in (float("inf"), float("-inf")):
        raise ExpressionError(f"{x} is not a finite number")
    return sympy.Rational(repr(x))
