"""Build a computation graph from equations (or node records) and run it forward and backward.

Equations are parsed with :mod:`solvers.expr` (no ``eval``): ``z1 = W1 @ x + b1`` defines
the node ``z1``; the sub-expression ``W1 @ x`` becomes an anonymous node shown by its source
text. Reverse mode then visits the nodes from the output back to the inputs; each node's
gradient is the sum of the contributions of the nodes that consume it, each contribution
given by the consumer op's local rule (see :mod:`solvers.graph.ops`).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import sympy

from solvers.core import ParameterError, Step
from solvers.expr import ExpressionError, name_of, parse, to_sympy
from solvers.graph.backend import Backend
from solvers.graph.ops import OPS, TENSOR_ATTR_OPS, Op

Kind = Literal["input", "const", "named", "temp"]

_BINOP_NAMES: dict[type, str] = {
    ast.Add: "add",
    ast.Sub: "sub",
    ast.Mult: "mul",
    ast.Div: "div",
    ast.MatMult: "matmul",
}
# Ops whose arguments need parentheses in LaTeX when they are themselves sums.
_TIGHT = {"mul", "matmul", "div", "pow", "neg", "transpose", "T", "sub", "dot"}


@dataclass
class Node:
    """A graph node: an input, a constant, a named equation or an anonymous sub-expression."""

    key: str
    kind: Kind
    op: Op | None = None
    args: tuple[str, ...] = ()
    attrs: dict[str, Any] = field(default_factory=dict)
    tex: str = ""
    value: Any = None  # for constants: the SymPy number


@dataclass
class Graph:
    """Nodes in a topological order (every argument is defined before it is used)."""

    nodes: dict[str, Node] = field(default_factory=dict)

    def add(self, node: Node) -> str:
        self.nodes.setdefault(node.key, node)
        return node.key

    def named(self) -> list[str]:
        return [k for k, n in self.nodes.items() if n.kind == "named"]


def tex_name(name: str) -> str:
    """LaTeX of a variable name: ``z1`` -> ``z_{1}``, ``x_hat`` -> ``\\hat{x}``."""
    for suffix in ("hat", "bar", "tilde"):
        if name.endswith("_" + suffix) and len(name) > len(suffix) + 1:
            return rf"\{suffix}{{{tex_name(name[: -len(suffix) - 1])}}}"
    return sympy.latex(sympy.Symbol(name))


def build_graph(
    inputs: Sequence[str],
    equations: Sequence[str] = (),
    records: Sequence[Mapping[str, Any]] = (),
) -> Graph:
    """The graph of ``equations`` (``"name = expression"``) or of node ``records``
    (``{"name", "op", "args", optional "alpha"/"exponent"}``) over the given input names."""
    g = Graph()
    for name in inputs:
        g.add(Node(name, "input", tex=tex_name(name)))
    for i, line in enumerate(equations):
        where = f"equations[{i}]"
        if not isinstance(line, str) or "=" not in line:
            raise ParameterError(where, "expected 'name = expression'")
        lhs, rhs = (part.strip() for part in line.split("=", 1))
        if not lhs.isidentifier():
            raise ParameterError(where, f"left side {lhs!r} is not a plain name")
        if lhs in g.nodes:
            raise ParameterError(where, f"{lhs!r} is defined twice (or is an input)")
        before = set(g.nodes)
        try:
            tree = parse(rhs)
            _node(g, tree, where, name=lhs)
            g.nodes[lhs].attrs["_source"] = rhs
        except ExpressionError as exc:
            raise ParameterError(where, str(exc)) from None
        _mark(g, before, where)
    for i, rec in enumerate(records):
        where = f"nodes[{i}]"
        name = rec["name"]
        if name in g.nodes:
            raise ParameterError(f"{where}.name", f"{name!r} is defined twice (or is an input)")
        op, args, attrs = _record_op(g, rec, where)
        before = set(g.nodes)
        _add_op(g, name, "named", op, tuple(args), attrs)
        _mark(g, before, where)
    if not g.named():
        raise ParameterError("equations", "the graph has no equations")
    return g


def _record_op(
    g: Graph, rec: Mapping[str, Any], where: str
) -> tuple[Op, list[str], dict[str, Any]]:
    """The op, argument names and constant attributes of a node record.

    An attribute naming an input or node (``alpha: a``), or one argument more than the op
    takes (``{op: pow, args: [x, y]}``), selects the op's tensor form (a gradient flows into
    that argument too)."""
    op_name, args = rec["op"], list(rec["args"])
    op = OPS.get(op_name)
    if op is None:
        raise ParameterError(
            f"{where}.op", f"unknown op {op_name!r}; known: {', '.join(sorted(OPS))}"
        )
    attrs = {k: rec[k] for k in op.attrs if rec.get(k) is not None}
    named = {k: v for k, v in attrs.items() if isinstance(v, sympy.Symbol) and str(v) in g.nodes}
    tensor = TENSOR_ATTR_OPS.get(op_name)
    if tensor is not None and (named or len(args) == op.arity + 1):
        args += [str(v) for v in named.values()]
        op, attrs = tensor, {}
    if len(args) != op.arity:
        raise ParameterError(f"{where}.args", f"{op_name} takes {op.arity} argument(s)")
    for j, a in enumerate(args):
        if a not in g.nodes:
            raise ParameterError(f"{where}.args[{j}]", f"{a!r} is not an input or an earlier node")
    missing = [k for k in op.attrs if k not in attrs]
    if missing:
        raise ParameterError(f"{where}.{missing[0]}", f"{op_name} needs {missing[0]}")
    for k, v in attrs.items():
        _check_constant(v, f"{where}.{k}", op_name)
    return op, args, attrs


def _check_constant(value: Any, where: str, op_name: str) -> None:
    """A constant attribute may not name anything undefined: a silent free symbol would turn
    the whole answer symbolic without a gradient for it."""
    free = sorted(map(str, getattr(value, "free_symbols", ())))
    if free:
        raise ParameterError(
            where,
            f"{op_name}'s constant {sympy.sstr(value)} uses {free[0]!r}, which is not an "
            f"input: define it in inputs (a number, or the symbol itself: {free[0]}: {free[0]})",
        )


def _mark(g: Graph, before: set[str], where: str) -> None:
    """Remember which answer-key line created each new node, for error messages."""
    for key in set(g.nodes) - before:
        g.nodes[key].attrs["_where"] = where


def where_defined(g: Graph, key: str) -> str:
    """The parameter path (``equations[2]``, ``nodes[0]``, ``inputs.x``) that defines ``key``."""
    node = g.nodes.get(key)
    if node is None:
        return key
    if node.kind == "input":
        return f"inputs.{key}"
    return str(node.attrs.get("_where", key))


def _add_op(
    g: Graph, key: str, kind: Kind, op: Op, args: tuple[str, ...], attrs: dict[str, Any]
) -> str:
    arg_tex = []
    for a in args:
        node = g.nodes[a]
        t = node.tex
        if (
            node.kind == "temp"
            and op.name in _TIGHT
            and node.op is not None
            and node.op.name in ("add", "sub")
        ):
            t = rf"\left({t}\right)"
        arg_tex.append(t)
    body = op.tex.format(*arg_tex).replace(
        "{p}", "{" + sympy.latex(attrs.get("exponent", "p")) + "}"
    )
    body = body.replace(
        r"_{\alpha}", "_{" + sympy.latex(attrs.get("alpha", sympy.Symbol("alpha"))) + "}"
    )
    tex = tex_name(key) if kind == "named" else body
    node = Node(key, kind, op, args, attrs, tex)
    if kind == "named":
        node.attrs["_body_tex"] = body
    return g.add(node)


def _node(g: Graph, n: ast.expr, where: str, name: str | None = None) -> str:
    """Add the node for AST ``n`` (and its sub-expressions); return its key."""
    kind: Kind = "named" if name is not None else "temp"
    key = name if name is not None else ast.unparse(n)
    if isinstance(n, ast.Name) and name is None:
        if name_of(n.id) in g.nodes:
            return name_of(n.id)
        if n.id in ("pi", "e"):
            return _const(g, to_sympy(n.id))
        raise ParameterError(
            where, f"unknown name {n.id!r}: define it as an input or in an earlier equation"
        )
    if isinstance(n, ast.Constant) and name is None:
        return _const(g, to_sympy(ast.unparse(n)))
    if isinstance(n, ast.UnaryOp) and name is None:
        if isinstance(n.op, ast.UAdd):
            return _node(g, n.operand, where)
        if isinstance(n.operand, ast.Constant):
            return _const(g, -to_sympy(ast.unparse(n.operand)))
    if isinstance(n, ast.Name | ast.Constant) or (
        isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.UAdd)
    ):
        src = _node(g, n, where)
        return _add_op(g, key, kind, _IDENTITY, (src,), {})
    if isinstance(n, ast.UnaryOp):
        return _add_op(g, key, kind, OPS["neg"], (_node(g, n.operand, where),), {})
    if isinstance(n, ast.Attribute):  # x.T (validated by the parser)
        return _add_op(g, key, kind, OPS["transpose"], (_node(g, n.value, where),), {})
    if isinstance(n, ast.BinOp):
        if isinstance(n.op, ast.Pow | ast.BitXor):
            base = _node(g, n.left, where)
            if _names_node(g, n.right):  # x ** y with y an input or node: a tensor exponent
                exp_node = _node(g, n.right, where)
                return _add_op(g, key, kind, TENSOR_ATTR_OPS["pow"], (base, exp_node), {})
            exponent = _constant(g, n.right, where, "pow")
            return _add_op(g, key, kind, OPS["pow"], (base,), {"exponent": exponent})
        op = OPS[_BINOP_NAMES[type(n.op)]]
        return _add_op(g, key, kind, op, (_node(g, n.left, where), _node(g, n.right, where)), {})
    if isinstance(n, ast.Call):
        assert isinstance(n.func, ast.Name)
        op_name = n.func.id
        found = OPS.get(op_name)
        if found is None:
            raise ParameterError(
                where, f"unknown function {op_name!r}; known: {', '.join(sorted(OPS))}"
            )
        n_tensor = found.arity
        if len(n.args) != n_tensor + len(found.attrs):
            raise ParameterError(
                where,
                f"{op_name} takes {n_tensor} argument(s)"
                + (f" and the constant(s) {', '.join(found.attrs)}" if found.attrs else ""),
            )
        tensor = TENSOR_ATTR_OPS.get(op_name)
        if tensor is not None and any(_names_node(g, a) for a in n.args[n_tensor:]):
            args = tuple(_node(g, a, where) for a in n.args)
            return _add_op(g, key, kind, tensor, args, {})
        args = tuple(_node(g, a, where) for a in n.args[:n_tensor])
        attrs = {
            k: _constant(g, a, where, op_name)
            for k, a in zip(found.attrs, n.args[n_tensor:], strict=True)
        }
        return _add_op(g, key, kind, found, args, attrs)
    raise ParameterError(where, f"unsupported expression {ast.unparse(n)!r}")


def _const(g: Graph, value: sympy.Expr) -> str:
    key = sympy.sstr(value)
    return g.add(Node(key, "const", tex=sympy.latex(value), value=value))


def _names_node(g: Graph, n: ast.expr) -> bool:
    """Whether the expression ``n`` uses an input or an earlier node."""
    return any(isinstance(a, ast.Name) and name_of(a.id) in g.nodes for a in ast.walk(n))


def _constant(g: Graph, n: ast.expr, where: str, op_name: str) -> sympy.Expr:
    """A constant attribute (an exponent, a leaky slope): a number such as 2, 0.1 or 1/3."""
    try:
        value = to_sympy(n)
    except ExpressionError as exc:
        raise ParameterError(where, str(exc)) from None
    _check_constant(value, where, op_name)
    return value


_IDENTITY = Op(
    "identity",
    1,
    lambda B, xs, at: xs[0],
    lambda B, xs, out, g, at: [g],
    ("{g}",),
    "{0}",
    doc="copy",
)


@dataclass
class Run:
    """Forward values and gradients of every node, with the worked steps."""

    values: dict[str, Any]
    grads: dict[str, Any]
    steps: list[Step]
    notes: list[str]


def run(
    g: Graph,
    B: Backend,
    inputs: Mapping[str, Any],
    output: str,
    conventions: Mapping[str, Any],
    upstream: Any = None,
    backward: bool = True,
    opaque: bool = False,
) -> Run:
    """Evaluate ``g`` on ``inputs`` (backend arrays) and back-propagate from ``output``.

    With ``opaque`` (exact backend only), each named node is replaced by a matrix of symbols
    named after it (``g_1``, ``g_2``...) once computed, so later values and all gradients are
    written in terms of the nodes, the way a student writes ``(f - y) * f'(g) x^T``.
    """
    result = Run({}, {}, [], [])
    values = _forward(g, B, inputs, output, conventions, opaque, result)
    if backward:
        _backward(g, B, values, output, conventions, upstream, result)
    return result


def _forward(
    g: Graph,
    B: Backend,
    inputs: Mapping[str, Any],
    output: str,
    conventions: Mapping[str, Any],
    opaque: bool,
    result: Run,
) -> dict[str, Any]:
    """Every node's value in order (into ``result.values`` as computed, with a step per named
    node); returns the values the backward pass uses (symbols for opaque named nodes)."""
    values: dict[str, Any] = {}
    for key, node in g.nodes.items():
        if node.kind == "input":
            values[key] = inputs[key]
        elif node.kind == "const":
            values[key] = B.array(node.value)
        else:
            assert node.op is not None
            attrs = {**conventions, **_attrs(B, node.attrs)}
            try:
                values[key] = node.op.forward(B, [values[a] for a in node.args], attrs)
            except (ValueError, ArithmeticError) as exc:
                raise ParameterError(
                    node.attrs.get("_where", key), f"{key}: cannot evaluate {node.op.name}: {exc}"
                ) from None
            if node.kind == "named":
                text = f"{key} = {_source(g, node)} = {show(B, values[key])}"
                tex = f"{node.tex} = {node.attrs['_body_tex']} = {latex(B, values[key])}"
                result.steps.append(Step("Forward: " + text, tex))
            result.values[key] = values[key]
            if node.kind == "named" and opaque and B.exact and key != output:
                values[key] = _symbols_like(B, key, values[key])
    return values


def _seed(B: Backend, values: Mapping[str, Any], output: str, upstream: Any) -> Any:
    """dL/dL: 1 for a scalar output, else the upstream gradient (of the output's shape)."""
    out_shape = B.shape(values[output])
    if upstream is None:
        if out_shape != (1, 1):
            raise ParameterError(
                "upstream", f"the output {output!r} is not a scalar; give its upstream gradient"
            )
        return B.array(1)
    if B.shape(upstream) != out_shape:
        raise ParameterError(
            "upstream", f"shape {B.shape(upstream)} does not match {output!r} {out_shape}"
        )
    return upstream


def _backward(
    g: Graph,
    B: Backend,
    values: Mapping[str, Any],
    output: str,
    conventions: Mapping[str, Any],
    upstream: Any,
    result: Run,
) -> None:
    """Reverse mode from ``output``: each node's gradient is the sum of its consumers'
    contributions, each given by the consumer op's local rule (one step per node)."""
    grads = result.grads
    grads[output] = seed = _seed(B, values, output, upstream)
    result.steps.append(
        Step(
            f"Backward: start from d{output}/d{output} = {show(B, seed)}",
            rf"\frac{{\partial {tex_name(output)}}}{{\partial {tex_name(output)}}} = {latex(B, seed)}",
        )
    )
    contributions: dict[str, list[tuple[str, str]]] = {}
    keys = list(g.nodes)
    for key in reversed(keys[: keys.index(output) + 1]):
        node = g.nodes[key]
        if key != output:
            parts = contributions.get(key)
            if parts is None or node.kind == "const":
                continue
            result.steps.append(_sum_step(g, B, output, key, parts, grads[key]))
        if node.op is None:
            continue
        attrs = {**conventions, **_attrs(B, node.attrs)}
        local = node.op.backward(B, [values[a] for a in node.args], values[key], grads[key], attrs)
        for i, (arg, grad) in enumerate(zip(node.args, local, strict=True)):
            if grad is None or g.nodes[arg].kind == "const":
                continue
            grads[arg] = grad if arg not in grads else B.ew(lambda a, b: a + b, grads[arg], grad)
            contributions.setdefault(arg, []).append(_contribution(g, output, key, i))
    for key, node in g.nodes.items():
        if node.kind in ("input", "named") and key not in grads and key != output:
            result.notes.append(
                f"{key} is a constant of an op or does not reach {output} differentiably: no gradient."
            )


def _contribution(g: Graph, output: str, key: str, i: int) -> tuple[str, str]:
    """Argument ``i``'s share of the gradient through node ``key``: its op's local rule with
    the labels filled in, as text and LaTeX."""
    node = g.nodes[key]
    assert node.op is not None
    rule = node.op.rules[i]
    fmt = {"g": f"d{output}/d{_label(g, key)}", "out": _label(g, key)}
    fmt_tex = {
        "g": rf"\frac{{\partial {tex_name(output)}}}{{\partial {_tex_label(g, key)}}}",
        "out": _tex_label(g, key),
    }
    labels = [_label(g, a) for a in node.args]
    tex_labels = [_tex_label(g, a) for a in node.args]
    return rule.format(*labels, **fmt), _rule_tex(rule).format(*tex_labels, **fmt_tex)


def _sum_step(
    g: Graph, B: Backend, output: str, key: str, parts: list[tuple[str, str]], grad: Any
) -> Step:
    """The step adding up every contribution to ``d output / d key``."""
    text = f"d{output}/d{_label(g, key)} = " + " + ".join(p for p, _ in parts)
    tex = rf"\frac{{\partial {tex_name(output)}}}{{\partial {_tex_label(g, key)}}} = " + " + ".join(
        t for _, t in parts
    )
    return Step(f"{text} = {show(B, grad)}", f"{tex} = {latex(B, grad)}")


def _symbols_like(B: Backend, name: str, value: Any) -> Any:
    rows, cols = B.shape(value)
    if (rows, cols) == (1, 1):
        return B.array(sympy.Symbol(name, real=True))
    sep = "," if max(rows, cols) > 9 else ""

    def entry(i: int, j: int) -> sympy.Symbol:
        index = f"{i + 1}" if cols == 1 else f"{i + 1}{sep}{j + 1}"
        return sympy.Symbol(f"{name}_{index}", real=True)

    return sympy.ImmutableMatrix(rows, cols, entry)


def _attrs(B: Backend, attrs: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in attrs.items():
        if k.startswith("_"):
            continue
        out[k] = v if B.exact else float(v)
    return out


def _source(g: Graph, node: Node) -> str:
    op = node.op
    assert op is not None
    if "_source" in node.attrs:
        return str(node.attrs["_source"])
    if op.name == "identity":
        return _label(g, node.args[0])
    args = [_label(g, a) for a in node.args] + [sympy.sstr(node.attrs[a]) for a in op.attrs]
    infix = {"add": "+", "sub": "-", "mul": "*", "div": "/", "matmul": "@"}
    if op.name in infix:
        return f"{args[0]} {infix[op.name]} {args[1]}"
    if op.name == "neg":
        return f"-{args[0]}"
    if op.name == "pow":
        return f"{args[0]} ** {args[1]}"
    if op.name == "transpose":
        return f"{args[0]}.T"
    return f"{op.name}({', '.join(args)})"


def _label(g: Graph, key: str) -> str:
    return f"({key})" if g.nodes[key].kind == "temp" and not key.isidentifier() else key


def _tex_label(g: Graph, key: str) -> str:
    node = g.nodes[key]
    return rf"\left({node.tex}\right)" if node.kind == "temp" else node.tex


# Plain-text rule words -> LaTeX; braces are doubled because the result is a format string.
_TEX_WORDS = (
    ("⊙", r"\odot "),
    ("σ", r"\sigma"),
    ("1[", r"\mathbb{{1}}["),
    ("sum(", r"\textstyle\sum("),
    ("softmax(", r"\operatorname{{softmax}}("),
    ("tanh^2", r"\tanh^2"),
    ("sqrt(", r"\sqrt("),
    ("sign(", r"\operatorname{{sign}}("),
    ("^T", r"^{{\top}}"),
    (">=", r"\geq "),
    ("<=", r"\leq "),
    ("||", r"\|"),
    ("alpha", r"\alpha"),
)


def _rule_tex(rule: str) -> str:
    out = rule
    for plain, tex in _TEX_WORDS:
        out = out.replace(plain, tex)
    return out


def show(B: Backend, a: Any) -> str:
    """Plain text of an array: a number, ``(a, b)`` for a vector, ``[[..], [..]]`` otherwise."""
    r, c = B.shape(a)
    entries = [[_num(B, a[i, j]) for j in range(c)] for i in range(r)]
    if r == 1 and c == 1:
        return entries[0][0]
    if c == 1:
        return "(" + ", ".join(row[0] for row in entries) + ")"
    return "[" + "; ".join(", ".join(row) for row in entries) + "]"


def latex(B: Backend, a: Any) -> str:
    """LaTeX of an array (a pmatrix unless it is a scalar)."""
    r, c = B.shape(a)
    if B.exact:
        cells = [
            [
                f"{float(a[i, j]):.6g}" if a[i, j].is_Float else sympy.latex(a[i, j])
                for j in range(c)
            ]
            for i in range(r)
        ]
    else:
        cells = [[_num(B, a[i, j]) for j in range(c)] for i in range(r)]
    if r == 1 and c == 1:
        return cells[0][0]
    return r"\begin{pmatrix}" + r" \\ ".join(" & ".join(row) for row in cells) + r"\end{pmatrix}"


def _num(B: Backend, x: Any) -> str:
    if B.exact:
        x = sympy.sympify(x)
        if x.has(sympy.zoo, sympy.oo, sympy.nan) or (x.is_number and x.is_real is False):
            return sympy.sstr(x)
        if x.is_Float:
            return f"{float(x):.6g}"
        if x.is_number and not x.is_Rational:
            return f"{sympy.sstr(x)} ≈ {float(sympy.N(x, 15)):.6g}"
        return sympy.sstr(x)
    v = float(x)
    return str(int(v)) if v.is_integer() and abs(v) < 1e15 else f"{v:.6g}"
