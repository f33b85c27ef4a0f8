"""The ``graph.backprop`` solver: forward values and reverse-mode gradients of a graph."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import sympy

from solvers.core import ParameterError, Solution
from solvers.expr import ExpressionError, exact_number, to_sympy
from solvers.graph.backend import Backend, ExactBackend, NumericBackend
from solvers.graph.engine import Graph, Run, build_graph, run, where_defined
from solvers.registry import solver
from solvers.schema import Scalar, param
from solvers.values import Expression, Number, Tensor, Value
from solvers.worked import Worked

MAX_SIMPLIFY_OPS = 150
# Exam graphs are small; exact arithmetic on big matrices is slow, so they go to NumPy.
MAX_EXACT_ENTRIES = 2000


@dataclass(frozen=True)
class NodeSpec:
    """A node as a record instead of an equation: ``{name: z1, op: matmul, args: [W, x]}``."""

    name: str = param("node name")
    op: str = param("operation (matmul, add, relu, leaky_relu, softmax, ce, ...)")
    args: list[str] = param("argument names: inputs or earlier nodes")
    alpha: Scalar | None = param("slope for leaky_relu", None)
    exponent: Scalar | None = param("exponent for pow", None)


@dataclass(frozen=True)
class BackpropParams:
    inputs: dict[str, Any] = param(
        "input values: a number, a list (column vector), a list of rows (matrix), an "
        "expression string ('w1', '1/3'), or {symbol: W, shape: [2, 3]} for a matrix of symbols"
    )
    equations: list[str] | None = param("'name = expression' lines, in order", None)
    nodes: list[NodeSpec] | None = param("alternative to equations: node records", None)
    output: str | None = param("node to differentiate (default: the last one)", None)
    upstream: Any = param("gradient of a non-scalar output (same shape as the output)", None)
    wrt: list[str] | None = param("report gradients only for these names (default: all)", None)
    mode: Literal["exact", "symbolic", "numeric"] = param(
        "exact/symbolic: SymPy (exact numbers, symbols allowed); numeric: NumPy floats", "exact"
    )
    backward: bool = param("also run the backward pass", True)
    express_in: Literal["inputs", "nodes"] = param(
        "symbolic mode: write values through the inputs, or through the named nodes "
        "(g_1, f_2...) as in '(f - y) * f'(g) x^T'",
        "inputs",
    )
    relu_grad_at_zero: Scalar = param("ReLU'(0) (a subgradient in [0, 1])", 0)
    step_at_zero: Scalar = param("value of step(0)", 1)
    tie: Literal["first", "second", "split"] = param(
        "which argument of max/min gets the gradient at a tie",
        "first",
        choices={
            "first": "the argument written first (so max(a*g, g) at 0 behaves like "
            "leaky_relu(g, a))",
            "second": "the argument written second",
            "split": "half to each (PyTorch's torch.maximum/minimum)",
        },
    )

    def check(self) -> None:
        if (self.equations is None) == (self.nodes is None):
            raise ParameterError("equations", "give exactly one of equations or nodes")
        if self.express_in == "nodes" and self.mode == "numeric":
            raise ParameterError(
                "express_in", "writing values through the nodes needs mode symbolic"
            )


@solver(
    "graph.backprop",
    BackpropParams,
    example={
        "inputs": {"x": [4, 2], "w": [0.5, 0.5], "W2": [[0.5], [0.5]], "b2": [0.5, 0.5]},
        "equations": [
            "z1 = w.T @ x",
            "y = relu(z1)",
            "z2 = W2 @ y + b2",
            "x_hat = relu(z2)",
            "L = sqnorm(x - x_hat)",
        ],
    },
)
def backprop(p: BackpropParams) -> Solution:
    """Forward value of every named node and, by reverse-mode accumulation node by node,
    the gradient of the output with respect to every node and input.

    Values: each named node by its name (``z1``), each anonymous sub-expression by its
    source text (``W2 @ y``), and ``dL/dv`` for the output ``L`` and every input, named node
    and sub-expression ``v`` (``dL/d(W2 @ y)``). A scalar is a ``Number``, a vector a ``Tensor`` of shape
    ``(n,)``, a matrix ``(m, n)``; with free symbols (symbolic mode) an ``Expression``.
    """
    B: Backend = NumericBackend() if p.mode == "numeric" else ExactBackend()
    inputs = {name: _input(B, name, spec) for name, spec in p.inputs.items()}
    entries = sum(B.shape(v)[0] * B.shape(v)[1] for v in inputs.values())
    if B.exact and entries > MAX_EXACT_ENTRIES:
        raise ParameterError(
            "mode", f"{entries} input entries are too many for exact arithmetic; use mode: numeric"
        )
    records = [vars(n) for n in p.nodes] if p.nodes is not None else []
    graph = build_graph(list(inputs), p.equations or [], records)
    named = graph.named()
    output = p.output or named[-1]
    if output not in graph.nodes:
        raise ParameterError("output", f"{output!r} is not a node of the graph")
    half: Any = sympy.Rational(1, 2) if B.exact else 0.5
    conventions = {
        "relu_grad_at_zero": _convention(B, p.relu_grad_at_zero),
        "step_at_zero": _convention(B, p.step_at_zero),
        "tie": p.tie,
        "half": half,
    }
    upstream = None if p.upstream is None else _input(B, "upstream", p.upstream)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        result = run(
            graph,
            B,
            inputs,
            output,
            conventions,
            upstream,
            p.backward,
            opaque=p.express_in == "nodes",
        )
    w = Worked()
    for step in result.steps:
        w.step(step.text, step.latex)
    for note in result.notes:
        w.note(note)
    w.note(
        f"Conventions: ReLU'(0) = {p.relu_grad_at_zero}, step(0) = {p.step_at_zero}, "
        f"max/min ties send the gradient to the {p.tie} argument"
        + ("" if p.tie != "split" else "s equally")
        + "."
    )
    _report(w, B, graph, result, output, list(inputs), p.wrt)
    if not B.exact and any(
        isinstance(v, Number) and not np.isfinite(v.value) for v in w.values.values()
    ):
        w.note("Some values are not finite (log of 0 or division by 0).")
    return w.solution()


def _report(
    w: Worked,
    B: Backend,
    graph: Graph,
    result: Run,
    output: str,
    inputs: list[str],
    wrt: list[str] | None,
) -> None:
    """The values: named nodes, then anonymous sub-expressions (``W2 @ y``, under their
    source text, so a student's intermediate line can be checked), then the gradients."""
    named = graph.named()
    temps = [k for k, n in graph.nodes.items() if n.kind == "temp"]
    for name in [*named, *temps]:
        w.value(name, _value(B, result.values[name], name, where_defined(graph, name)))
    wanted = set(wrt) if wrt is not None else None
    if wanted is not None:
        unknown = sorted(wanted - set(graph.nodes))
        if unknown:
            raise ParameterError("wrt", f"{unknown[0]!r} is not a node or input")
    for name in [*inputs, *named, *temps]:
        if (
            name == output
            or name not in result.grads
            or (wanted is not None and name not in wanted)
        ):
            continue
        label = name if name.isidentifier() else f"({name})"
        grad_name = f"d{output}/d{label}"
        w.value(grad_name, _value(B, result.grads[name], grad_name, where_defined(graph, name)))


def _convention(B: Backend, x: sympy.Expr) -> Any:
    return x if B.exact else float(x)


def _input(B: Backend, name: str, spec: Any) -> Any:
    where = f"inputs.{name}" if name != "upstream" else "upstream"
    if isinstance(spec, Mapping):
        if not B.exact:
            raise ParameterError(where, "a matrix of symbols needs mode exact/symbolic")
        shape = spec.get("shape")
        symbol = spec.get("symbol", name)
        if (
            not isinstance(shape, list)
            or not 1 <= len(shape) <= 2
            or not all(isinstance(d, int) and d > 0 for d in shape)
        ):
            raise ParameterError(f"{where}.shape", "expected [n] or [m, n] with positive integers")
        rows, cols = (shape[0], 1) if len(shape) == 1 else (shape[0], shape[1])
        sep = "," if max(rows, cols) > 9 else ""

        def sym(i: int, j: int) -> sympy.Symbol:
            index = f"{i + 1}" if len(shape) == 1 else f"{i + 1}{sep}{j + 1}"
            return sympy.Symbol(f"{symbol}_{index}", real=True)

        return sympy.ImmutableMatrix(rows, cols, sym)
    try:
        scalars = _scalars(B, spec, where)
        return B.array(scalars)
    except ValueError as exc:
        raise ParameterError(where, str(exc)) from None


def _scalars(B: Backend, spec: Any, where: str) -> Any:
    if isinstance(spec, list | tuple):
        if not spec:
            raise ParameterError(where, "empty list")
        return [_scalars(B, v, f"{where}[{i}]") for i, v in enumerate(spec)]
    if isinstance(spec, bool) or not isinstance(spec, int | float | str):
        raise ParameterError(
            where, f"expected a number, an expression or a list, got {type(spec).__name__}"
        )
    if not B.exact:
        if isinstance(spec, str):
            raise ParameterError(where, "numeric mode needs numbers; use mode: exact for symbols")
        return float(spec)
    try:
        return exact_number(spec) if not isinstance(spec, str) else to_sympy(spec)
    except (ExpressionError, ArithmeticError) as exc:
        raise ParameterError(where, str(exc)) from None


def _value(B: Backend, a: Any, name: str, where: str) -> Value:
    """The typed answer value of a backend array (``name``/``where`` for error messages)."""
    rows, cols = B.shape(a)
    shape: tuple[int, ...] = (rows,) if cols == 1 and rows > 1 else (rows, cols)
    if not B.exact:
        flat = tuple(float(v) for v in np.asarray(a, dtype=float).ravel())
        return Number(flat[0]) if (rows, cols) == (1, 1) else Tensor(flat, shape)
    entries = [sympy.sympify(v) for v in a]
    for e in entries:
        if e.has(sympy.zoo, sympy.oo, sympy.nan) or (e.is_number and e.is_real is False):
            raise ParameterError(
                where,
                f"{name} = {e} is not a finite real number "
                "(log of 0, division by 0, sqrt of a negative?)",
            )
    if all(e.is_number for e in entries):
        if (rows, cols) == (1, 1):
            # A 30-digit float (a closed form too long to be useful) is not an exact form.
            return Number(float(entries[0])) if entries[0].is_Float else Number.of(entries[0])
        exact = tuple(entries)
        return Tensor(tuple(float(sympy.N(e, 30)) for e in entries), shape, exact)
    entries = [_tidy(e) for e in entries]
    symbols = tuple(sorted({str(s) for e in entries for s in e.free_symbols}))
    if (rows, cols) == (1, 1):
        return Expression(entries[0], symbols)
    return Expression(sympy.ImmutableMatrix(rows, cols, entries), symbols)


def _tidy(e: sympy.Expr) -> sympy.Expr:
    """Simplify a symbolic entry when it is small enough for simplify to be quick."""
    if sympy.count_ops(e) > MAX_SIMPLIFY_OPS:
        return e
    return sympy.simplify(sympy.piecewise_fold(e))
