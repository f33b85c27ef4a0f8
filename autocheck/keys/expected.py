"""Typed expected values of a key: literal values, predicates, and solver calls run once."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

import sympy
from solvers.core import ParameterError, Solution, Step
from solvers.values import Integer, Number, Predicate, Tensor, Value

from autocheck.keys.model import (
    Alternative,
    AnswerSpec,
    DescriptiveAnswer,
    ExamKey,
    FrozenMap,
    KeyFormatError,
    KeyIssue,
    LiteralAnswer,
    PartKey,
    PredicateAnswer,
    SolverValue,
)
from autocheck.mathparse import Unreadable, parse_latex
from autocheck.normalise import normalise

# --------------------------------------------------------------------------- typed values


def literal_value(spec: LiteralAnswer, *, log_base: str = "e") -> Value:
    """The typed expected value of a literal answer, read by its kind."""
    from autocheck.kinds import UnknownKind, get

    try:
        kind = get(spec.kind)
    except UnknownKind:
        raise ValueError(f"unknown answer kind {spec.kind!r}") from None
    value: Value = kind.from_key(spec, log_base=log_base)
    return value


def predicate_value(spec: PredicateAnswer) -> Predicate:
    """Compile the LaTeX conditions into a :class:`~solvers.values.Predicate`."""
    relations: list[sympy.Basic] = []
    for cond in spec.conditions:
        rel = parse_latex(normalise(cond, kind="expression"))
        if not isinstance(rel, sympy.core.relational.Relational):
            raise Unreadable(f"{cond!r} is not a relation (use =, \\neq, <, >)")
        unknown = {str(s) for s in rel.free_symbols} - set(spec.variables)
        if unknown:
            raise Unreadable(f"{cond!r} uses {', '.join(sorted(unknown))}, not in variables")
        relations.append(rel)

    def check(
        values: Mapping[str, float], _rels: tuple[sympy.Basic, ...] = tuple(relations)
    ) -> bool:
        subs = {sympy.Symbol(k): sympy.nsimplify(v, rational=True) for k, v in values.items()}
        for rel in _rels:
            lhs = sympy.sympify(rel.lhs).subs(subs)
            rhs = sympy.sympify(rel.rhs).subs(subs)
            if lhs.free_symbols or rhs.free_symbols:
                return False
            diff = float(lhs - rhs)
            ok = {
                "==": abs(diff) <= 1e-9 * max(1.0, abs(float(rhs))),
                "!=": abs(diff) > 1e-9,
                "<": diff < 0,
                "<=": diff <= 0,
                ">": diff > 0,
                ">=": diff >= 0,
            }.get(rel.rel_op)
            if not ok:
                return False
        return True

    latex_form = r",\ ".join(spec.conditions)
    desc = spec.description or "any values with " + ", ".join(spec.conditions)
    return Predicate(desc, spec.variables, check, dict(spec.example), latex_form)


# --------------------------------------------------------------------------- expected answers


@dataclass(frozen=True)
class ExpectedTarget:
    """The typed expected value of one target (``None`` for descriptive targets), its
    accepted alternatives, and how to show it."""

    name: str
    spec: AnswerSpec
    value: Value | None
    alternatives: tuple[tuple[Value, Alternative], ...] = ()

    @cached_property
    def latex(self) -> str:
        if self.value is None:
            return ""
        return self.value.latex()

    @cached_property
    def display(self) -> str:
        if isinstance(self.spec, DescriptiveAnswer):
            return self.spec.guidance or "(graded by a person)"
        if self.value is None:
            return ""
        from autocheck.kinds import kind_for

        return kind_for(self.value).display(self.value)


@dataclass(frozen=True)
class ExpectedAnswer:
    """All expected values of one part, with the worked steps of its solver call."""

    part_id: str
    targets: tuple[ExpectedTarget, ...]
    steps: tuple[Step, ...] = ()
    solution: Solution | None = None

    def target(self, name: str) -> ExpectedTarget:
        for t in self.targets:
            if t.name == name:
                return t
        raise KeyError(name)


SolveFn = Callable[[str, Mapping[str, Any]], Solution]


def _registry_solve(name: str, params: Mapping[str, Any]) -> Solution:
    from solvers.registry import solve

    return solve(name, params)


@lru_cache(maxsize=64)
def _resolve_cached(key: ExamKey) -> dict[str, ExpectedAnswer]:
    return _resolve(key, _registry_solve)


def resolve_expected(key: ExamKey, *, solve: SolveFn | None = None) -> dict[str, ExpectedAnswer]:
    """Typed expected values (and worked steps) for every part of ``key``.

    Each distinct solver call is run once per key; with the default registry the result is
    also cached per key, so checking many students re-uses it. A solver that rejects its
    params, or a ``value:`` the solver does not produce, raises :class:`KeyFormatError` with
    the line of the offending field.
    """
    if solve is None:
        return dict(_resolve_cached(key))
    return _resolve(key, solve)


def _resolve(key: ExamKey, solve: SolveFn) -> dict[str, ExpectedAnswer]:
    cache: dict[tuple[str, FrozenMap], Solution] = {}
    issues: list[KeyIssue] = []
    out: dict[str, ExpectedAnswer] = {}
    for part in key.parts():
        log_base = str(part.flag("log_base", key.flags.get("log_base", "e")))
        solution: Solution | None = None
        if part.solver is not None:
            call = (part.solver.name, part.solver.params)
            if call not in cache:
                try:
                    cache[call] = solve(part.solver.name, part.solver.params.thaw())
                except ParameterError as exc:
                    line = part.solver.lines.get(exc.field.split("[")[0].split(".")[0], part.line)
                    line = part.solver.lines.get(exc.field, line)
                    issues.append(
                        KeyIssue(int(line), f"part {part.id}.params.{exc.field}", exc.message)
                    )
                    continue
            solution = cache[call]
        targets = []
        for t in part.targets:
            value: Value | None = None
            if isinstance(t.answer, SolverValue):
                assert solution is not None
                if t.answer.value not in solution.values:
                    issues.append(
                        KeyIssue(
                            t.line or part.line,
                            f"part {part.id}.{t.name}.value",
                            f"solver {part.solver.name!r} gives no {t.answer.value!r}; "  # type: ignore[union-attr]
                            f"it gives {', '.join(solution.values)}",
                        )
                    )
                    continue
                value = solution.values[t.answer.value]
            elif isinstance(t.answer, LiteralAnswer):
                value = literal_value(t.answer, log_base=log_base)
            elif isinstance(t.answer, PredicateAnswer):
                value = predicate_value(t.answer)
            alts = tuple((literal_value(a.answer, log_base=log_base), a) for a in t.alternatives)
            targets.append(ExpectedTarget(t.name, t.answer, value, alts))
        out[part.id] = ExpectedAnswer(
            part.id, tuple(targets), solution.steps if solution else (), solution
        )
    if issues:
        raise KeyFormatError(issues)
    return out


def resolve_with(
    part: PartKey, overrides: Mapping[str, Any], *, solve: SolveFn | None = None
) -> Solution:
    """Re-run the part's solver with some params replaced (``"layers[0].padding"`` paths
    allowed): used to recompute an answer from the student's own earlier value (error
    carried forward) or from a known wrong assumption (bias forgotten, padding ignored)."""
    if part.solver is None:
        raise ValueError(f"part {part.id} has no solver call")
    params = part.solver.params.thaw()
    for path, value in overrides.items():
        _set_path(params, path, value)
    return (solve or _registry_solve)(part.solver.name, params)


_EQUATION_RE = re.compile(r"^\s*([A-Za-z_]\w*)\s*=(.*)$")


def carry_overrides(
    part: PartKey, carried: Mapping[str, Any], *, solve: SolveFn | None = None
) -> dict[str, Any]:
    """Param overrides that put a student's earlier values into the part's solver call.

    ``carried`` maps the names of the part's ``carry:`` (param paths such as ``x`` or
    ``grads[0]``, or nodes of a ``graph.backprop`` call such as ``y``) to the student's values
    in param form. A param is replaced. A graph node's equation gets the offset between the
    student's value and the right one added (``y = w2 * h + ecf_y``): the node then takes the
    student's value, the values computed from it follow, and the derivatives through it keep
    the graph's own form, which is what a student who carried their error forward computed.
    """
    params = part.solver.params.thaw() if part.solver is not None else {}
    nodes = _graph_nodes(params)
    overrides: dict[str, Any] = {}
    right: Solution | None = None
    for name, value in carried.items():
        if name not in nodes or name in params:
            overrides[name] = value
            continue
        if right is None:
            right = resolve_with(part, {}, solve=solve)
        index, expr = nodes[name]
        offset = _difference(value, right.values[name])
        overrides[f"equations[{index}]"] = f"{name} = ({expr}) + ecf_{name}"
        overrides[f"inputs.ecf_{name}"] = offset
    return overrides


def _graph_nodes(params: Mapping[str, Any]) -> dict[str, tuple[int, str]]:
    """``{node: (index of its equation, right-hand side)}`` of a graph given by equations."""
    out: dict[str, tuple[int, str]] = {}
    equations = params.get("equations") if isinstance(params, Mapping) else None
    for index, line in enumerate(equations or []):
        match = _EQUATION_RE.match(str(line))
        if match:
            out[match.group(1)] = (index, match.group(2).strip())
    return out


def _difference(student: Any, right: Value) -> Any:
    """``student - right`` in param form: a number, or a list for a vector."""
    if isinstance(right, Tensor):
        values = student if isinstance(student, list) else [student]
        flat = [v for row in values for v in (row if isinstance(row, list) else [row])]
        if len(flat) != len(right.values):
            raise ValueError("the carried value has another size")
        diff = [float(a) - float(b) for a, b in zip(flat, right.values, strict=True)]
        return (
            diff
            if len(right.shape) == 1
            else [
                diff[r * right.shape[1] : (r + 1) * right.shape[1]] for r in range(right.shape[0])
            ]
        )
    if isinstance(right, Number | Integer):
        return float(student) - float(right.value)
    raise ValueError(f"cannot carry a {type(right).__name__} into a graph")


def _set_path(obj: Any, path: str, value: Any) -> None:
    tokens = re.findall(r"[^.\[\]]+|\[\d+\]", path)
    for tok in tokens[:-1]:
        obj = obj[int(tok[1:-1])] if tok.startswith("[") else obj[tok]
    last = tokens[-1]
    if last.startswith("["):
        obj[int(last[1:-1])] = value
    else:
        obj[last] = value


def get_path(obj: Any, path: str) -> Any:
    """The value at ``"layers[0].padding"`` in nested params; KeyError/IndexError if absent."""
    for tok in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        obj = obj[int(tok[1:-1])] if tok.startswith("[") else obj[tok]
    return obj
