"""Parse and fully validate a YAML answer key, reporting every problem with its line."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from typing import Any

import yaml
from yaml.nodes import Node

from autocheck.keys.expected import literal_value, predicate_value
from autocheck.keys.limits import MAX_KEY_CHARS, compose_key, key_size_issues
from autocheck.keys.model import (
    FORMAT_VERSION,
    KNOWN_FLAGS,
    Alternative,
    AnswerSpec,
    DescriptiveAnswer,
    ExamKey,
    ExamMeta,
    FrozenMap,
    KeyFormatError,
    KeyIssue,
    LiteralAnswer,
    PartKey,
    PredicateAnswer,
    QuestionKey,
    Region,
    RubricItem,
    SolverCall,
    SolverValue,
    Target,
    Tolerance,
)
from autocheck.kinds import get as get_kind
from autocheck.kinds import literal_names
from autocheck.mathparse import Unreadable

_ID_PART_RE = re.compile(r"^[0-9a-z](?:[0-9a-z_-]*[0-9a-z])?$")


class _Reader:
    """Walks the composed node tree, converting and collecting issues with line numbers."""

    def __init__(self) -> None:
        self.issues: list[KeyIssue] = []

    def error(self, node: Node | None, where: str, message: str) -> None:
        line = node.start_mark.line + 1 if node is not None else 1
        self.issues.append(KeyIssue(line, where, message))

    def mapping(
        self,
        node: Node,
        where: str,
        allowed: Sequence[str],
        required: Sequence[str] = (),
    ) -> dict[str, Node] | None:
        if not isinstance(node, yaml.MappingNode):
            self.error(node, where, "expected a mapping")
            return None
        out: dict[str, Node] = {}
        for k, v in node.value:
            key = k.value if isinstance(k, yaml.ScalarNode) else None
            if key is None:
                self.error(k, where, "keys must be plain names")
            elif key in out:
                self.error(k, f"{where}.{key}", "duplicate key")
            elif key not in allowed:
                self.error(k, f"{where}.{key}", f"unknown field (allowed: {', '.join(allowed)})")
            else:
                out[key] = v
        for r in required:
            if r not in out:
                self.error(node, f"{where}.{r}", "required field is missing")
        return out

    def sequence(self, node: Node, where: str) -> list[Node]:
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, where, "expected a list")
            return []
        return list(node.value)

    def data(self, node: Node) -> Any:
        return yaml.constructor.SafeConstructor().construct_document(node)

    def scalar(self, node: Node, where: str, types: type | tuple[type, ...]) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            self.error(node, where, "expected a single value")
            return None
        value = self.data(node)
        if isinstance(value, bool) and bool not in _as_tuple(types):
            self.error(node, where, f"expected {_type_names(types)}, got a boolean")
            return None
        if not isinstance(value, types):
            self.error(node, where, f"expected {_type_names(types)}, got {value!r}")
            return None
        return value

    def text(self, node: Node, where: str) -> str | None:
        value = self.scalar(node, where, (str, int, float))
        return None if value is None else str(value)

    def number(self, node: Node, where: str, *, positive: bool = False) -> float | None:
        value = self.scalar(node, where, (int, float))
        if value is not None and positive and value < 0:
            self.error(node, where, "must not be negative")
            return None
        return value

    def strings(self, node: Node, where: str) -> tuple[str, ...]:
        if isinstance(node, yaml.ScalarNode):
            one = self.text(node, where)
            return () if one is None else (one,)
        out = []
        for i, item in enumerate(self.sequence(node, where)):
            s = self.text(item, f"{where}[{i}]")
            if s is not None:
                out.append(s)
        return tuple(out)


def _as_tuple(t: type | tuple[type, ...]) -> tuple[type, ...]:
    return t if isinstance(t, tuple) else (t,)


def _type_names(t: type | tuple[type, ...]) -> str:
    names = {"str": "text", "int": "an integer", "float": "a number", "bool": "true/false"}
    return " or ".join(dict.fromkeys(names.get(x.__name__, x.__name__) for x in _as_tuple(t)))


def parse_key(text: str) -> ExamKey:
    """Parse and fully validate a YAML answer key.

    Raises
    ------
    KeyFormatError
        listing every problem found, each with its line number and dotted field.
    """
    key, issues = read_key(text)
    if issues or key is None:
        raise KeyFormatError(issues)
    return key


def read_key(text: str) -> tuple[ExamKey | None, list[KeyIssue]]:
    """The key as far as it can be read, and every problem found in it.

    Parts with a problem are left out of the returned key, so the rest can still be solved
    (``validate_key`` reports solver errors and structural ones in one run). ``None`` when not
    even the top level could be read. YAML syntax errors and oversized keys still raise
    :class:`KeyFormatError`.
    """
    root = compose_key(text)  # YAML syntax, aliases, depth, numbers, text: autocheck.keys.limits
    r = _Reader()
    if root is None:
        return None, [KeyIssue(1, "(document)", "the key is empty")]
    top = r.mapping(
        root,
        "key",
        ("format", "key_version", "exam", "defaults", "questions"),
        ("format", "key_version", "exam", "questions"),
    )
    if top is None:
        return None, r.issues
    if "format" in top:
        fmt = r.scalar(top["format"], "format", int)
        if fmt is not None and fmt != FORMAT_VERSION:
            r.error(
                top["format"], "format", f"unsupported format {fmt} (this reader: {FORMAT_VERSION})"
            )
    version = r.text(top["key_version"], "key_version") if "key_version" in top else None
    exam = _exam_meta(r, top["exam"]) if "exam" in top else None
    tolerance, flags = Tolerance(), FrozenMap()
    if "defaults" in top:
        d = r.mapping(top["defaults"], "defaults", ("tolerance", *KNOWN_FLAGS))
        if d is not None:
            if "tolerance" in d:
                tolerance = _tolerance(r, d["tolerance"], "defaults.tolerance")
            flags = _flags(r, {k: v for k, v in d.items() if k != "tolerance"}, "defaults")
    questions: list[QuestionKey] = []
    if "questions" in top:
        for i, qn in enumerate(r.sequence(top["questions"], "questions")):
            q = _question(r, qn, f"questions[{i}]")
            if q is not None:
                questions.append(q)
    key = ExamKey(version or "", exam or ExamMeta(""), tuple(questions), tolerance, flags)
    if not r.issues:
        _cross_check(r, key, top)
        r.issues.extend(key_size_issues(key))
    return key, r.issues


def load_key(path: str) -> ExamKey:
    """Read and parse a key file."""
    return parse_key(read_key_text(path))


def read_key_text(path: str | PathLike[str]) -> str:
    """A key file's text (UTF-8, with or without a byte-order mark), read no further than a
    key may be long: ``KeyFormatError`` with the line of the first byte that is not UTF-8."""
    with open(path, "rb") as fh:
        data = fh.read(4 * MAX_KEY_CHARS + 1)  # UTF-8 is at most 4 bytes a character
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise KeyFormatError([KeyIssue(line, "(file)", "not UTF-8 text")]) from None


def _exam_meta(r: _Reader, node: Node) -> ExamMeta | None:
    m = r.mapping(node, "exam", ("id", "title", "course", "date", "total_points"), ("id",))
    if m is None:
        return None
    get = {k: r.text(v, f"exam.{k}") for k, v in m.items() if k != "total_points"}
    total = (
        r.number(m["total_points"], "exam.total_points", positive=True)
        if "total_points" in m
        else None
    )
    return ExamMeta(
        get.get("id") or "",
        get.get("title") or "",
        get.get("course") or "",
        get.get("date") or "",
        total,
    )


def _tolerance(r: _Reader, node: Node, where: str) -> Tolerance:
    m = r.mapping(node, where, ("rtol", "atol", "sig_figs", "student_digits"))
    if m is None:
        return Tolerance()
    rtol = r.number(m["rtol"], f"{where}.rtol", positive=True) if "rtol" in m else None
    atol = r.number(m["atol"], f"{where}.atol", positive=True) if "atol" in m else None
    sig = r.scalar(m["sig_figs"], f"{where}.sig_figs", int) if "sig_figs" in m else None
    if sig is not None and not 1 <= sig <= 15:
        r.error(m["sig_figs"], f"{where}.sig_figs", "must be between 1 and 15")
    digits = (
        r.scalar(m["student_digits"], f"{where}.student_digits", bool)
        if "student_digits" in m
        else None
    )
    return Tolerance(
        None if rtol is None else float(rtol), None if atol is None else float(atol), sig, digits
    )


def _flags(r: _Reader, nodes: Mapping[str, Node], where: str) -> FrozenMap:
    out: dict[str, Any] = {}
    for name, node in nodes.items():
        if name not in KNOWN_FLAGS:
            r.error(node, f"{where}.{name}", f"unknown flag (known: {', '.join(KNOWN_FLAGS)})")
            continue
        value = r.scalar(node, f"{where}.{name}", KNOWN_FLAGS[name])
        if name == "log_base" and value is not None:
            value = str(value)
            if value not in ("e", "10", "2"):
                r.error(node, f"{where}.{name}", "must be e, 10 or 2")
                continue
        if name == "ecf_credit" and value is not None and not 0 <= value <= 1:
            r.error(node, f"{where}.{name}", "must be between 0 and 1")
            continue
        if value is not None:
            out[name] = value
    return FrozenMap(out)


_QUESTION_FIELDS = ("number", "label", "title", "points", "bonus", "parts")


def _question(r: _Reader, node: Node, where: str) -> QuestionKey | None:
    m = r.mapping(node, where, _QUESTION_FIELDS, ("number", "points", "parts"))
    if m is None:
        return None
    number = _printed(r, m.get("number"), f"{where}.number")
    points = r.number(m["points"], f"{where}.points", positive=True) if "points" in m else None
    label = r.text(m["label"], f"{where}.label") if "label" in m else ""
    title = r.text(m["title"], f"{where}.title") if "title" in m else ""
    bonus = r.scalar(m["bonus"], f"{where}.bonus", bool) if "bonus" in m else False
    parts: list[PartKey] = []
    part_nodes = r.sequence(m["parts"], f"{where}.parts") if "parts" in m else []
    for j, pn in enumerate(part_nodes):
        p = _part(r, pn, f"{where}.parts[{j}]", number or "?", single=len(part_nodes) == 1)
        if p is not None:
            parts.append(p)
    if number is None or points is None:
        return None
    if parts and len(parts) == len(part_nodes):
        total = sum(p.points for p in parts)
        if abs(total - points) > 1e-9:
            r.error(
                m["points"],
                f"{where}.points",
                f"question is worth {_fmt(points)} but its parts add up to {_fmt(total)}",
            )
    return QuestionKey(number, float(points), tuple(parts), label or "", title or "", bool(bonus))


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _printed(r: _Reader, node: Node | None, where: str) -> str | None:
    """A printed number ("3", "a", "Q3", "(b)", "conv1_1") reduced to its id form ("3", "a",
    "conv1_1"). A lone "q" is the letter q, not the "Q" prefix of a question number."""
    if node is None:
        return None
    raw = r.text(node, where)
    if raw is None:
        return None
    s = re.sub(r"^(?:q|question|problem|part)\s*(?=\S)", "", raw.strip().lower())
    s = s.strip("()[]. ")
    if not _ID_PART_RE.match(s):
        r.error(
            node,
            where,
            f"{raw!r} is not a printed number or name (e.g. 3, a, iv, conv1_1, sgd-2)",
        )
        return None
    return s


# --- parts and targets: declarative field schemas -----------------------------------------------

Reader = Callable[[_Reader, Node, str], Any]


@dataclass(frozen=True)
class _Field:
    """An optional field of a part or target: how to read it and its value when absent (or
    unreadable: the problem is recorded and the default stands in, so that the rest of the
    key is still checked)."""

    name: str
    read: Reader
    default: Any = None


def _read_text(r: _Reader, node: Node, where: str) -> str | None:
    return r.text(node, where)


def _read_bool(r: _Reader, node: Node, where: str) -> bool | None:
    return r.scalar(node, where, bool)


def _read_points(r: _Reader, node: Node, where: str) -> float | None:
    value = r.number(node, where, positive=True)
    return None if value is None else float(value)


def _read_dependencies(r: _Reader, node: Node, where: str) -> tuple[str, ...]:
    nodes = [node] if isinstance(node, yaml.ScalarNode) else r.sequence(node, where)
    return tuple((r.text(n, where) or "").lower() for n in nodes)


def _read_carry(r: _Reader, node: Node, where: str) -> FrozenMap:
    """``{param or graph node: "part[:target]"}``: the student's earlier answer replaces the
    param (or, for a node of a graph.backprop call, that node's value) when re-solving."""
    m = r.mapping(node, where, _AnyKeys())
    carry: dict[str, str] = {}
    for pname, src in (m or {}).items():
        s = r.text(src, f"{where}.{pname}")
        if s is not None:
            carry[pname] = s.lower()
    return FrozenMap(carry)


def _read_part_flags(r: _Reader, node: Node, where: str) -> FrozenMap:
    m = r.mapping(node, where, tuple(KNOWN_FLAGS))
    return FrozenMap() if m is None else _flags(r, m, where)


def _read_symbols(r: _Reader, node: Node, where: str) -> tuple[str, ...]:
    return r.strings(node, where)


_PART_SCHEMA: tuple[_Field, ...] = (
    _Field("label", _read_text, ""),
    _Field("points", _read_points),
    _Field("prompt", _read_text, ""),
    _Field("column", _read_text, ""),
    _Field("tolerance", lambda r, n, w: _tolerance(r, n, w), Tolerance()),
    _Field("partial_credit", _read_bool, True),
    _Field("depends_on", _read_dependencies, ()),
    _Field("carry", _read_carry, FrozenMap()),
    _Field("flags", _read_part_flags, FrozenMap()),
    _Field("rubric", lambda r, n, w: _rubric(r, n, w), ()),
    _Field("region", lambda r, n, w: _region(r, n, w), None),
)
_TARGET_SCHEMA: tuple[_Field, ...] = (
    _Field("name", _read_text),
    _Field("points", _read_points),
    _Field("optional", _read_bool, False),
    _Field("column", _read_text, ""),
)
_SINGLE_FORMS = ("value", "answer", "predicate", "descriptive")
_SYMBOL_FIELDS = ("symbol", "symbols")
# The fields a part may have: its schema, its number, its solver call and its answer forms.
_PART_FIELDS = (
    "number",
    *(f.name for f in _PART_SCHEMA),
    "solver",
    "params",
    *_SINGLE_FORMS,
    "targets",
    *_SYMBOL_FIELDS,
    "alternatives",
)
_TARGET_FIELDS = (
    *(f.name for f in _TARGET_SCHEMA),
    *_SYMBOL_FIELDS,
    *_SINGLE_FORMS,
    "alternatives",
)


def _read_fields(
    r: _Reader, m: Mapping[str, Node], where: str, schema: Sequence[_Field]
) -> dict[str, Any]:
    out = {}
    for f in schema:
        value = f.read(r, m[f.name], f"{where}.{f.name}") if f.name in m else None
        out[f.name] = f.default if value is None else value
    return out


def _part(r: _Reader, node: Node, where: str, question: str, *, single: bool) -> PartKey | None:
    m = r.mapping(node, where, _PART_FIELDS, ("points",))
    if m is None:
        return None
    number, part_id = _part_id(r, m, node, where, question, single=single)
    fields = _read_fields(r, m, where, _PART_SCHEMA)
    solver = _solver_call(r, m, where)
    targets = _part_targets(r, m, node, where, solver)
    if "carry" in m and solver is None:
        r.error(m["carry"], f"{where}.carry", "carry names solver params; the part has no solver")
    _check_part_points(r, m, node, where, fields, targets)
    if part_id is None or fields["points"] is None or not targets:
        return None
    return PartKey(
        id=part_id,
        question=question,
        number=number,
        targets=tuple(targets),
        solver=solver,
        line=node.start_mark.line + 1,
        **fields,
    )


def _part_id(
    r: _Reader, m: Mapping[str, Node], node: Node, where: str, question: str, *, single: bool
) -> tuple[str, str | None]:
    """(printed number, part id): ``"3.2"``, or the question's own number for a question
    printed without parts."""
    if "number" in m:
        number = _printed(r, m["number"], f"{where}.number")
        return number or "", f"{question}.{number}" if number else None
    if single:
        return "", question
    r.error(node, f"{where}.number", "required field is missing (the question has several parts)")
    return "", None


def _solver_call(r: _Reader, m: Mapping[str, Node], where: str) -> SolverCall | None:
    if "solver" not in m:
        if "params" in m:
            r.error(m["params"], f"{where}.params", "params without a solver")
        return None
    name = r.text(m["solver"], f"{where}.solver")
    params: dict[str, Any] = {}
    lines: dict[str, int] = {}
    if "params" in m:
        if r.mapping(m["params"], f"{where}.params", _AnyKeys()) is not None:
            params = r.data(m["params"])
            _param_lines(m["params"], "", lines)
    else:
        r.error(m["solver"], f"{where}.params", "a solver call needs params")
    return SolverCall(name, FrozenMap(params), FrozenMap(lines)) if name else None


def _part_targets(
    r: _Reader, m: Mapping[str, Node], node: Node, where: str, solver: SolverCall | None
) -> list[Target]:
    """The part's targets: its ``targets:`` list, or one target named ``answer`` from a single
    answer form with the part's symbols and alternatives."""
    forms = [f for f in (*_SINGLE_FORMS, "targets") if f in m]
    targets: list[Target] = []
    if len(forms) != 1:
        msg = "give exactly one of value, answer, predicate, descriptive or targets" + (
            f" (found {', '.join(forms)})" if forms else ""
        )
        r.error(node, where + (f".{forms[1]}" if len(forms) > 1 else ""), msg)
    elif forms[0] == "targets":
        for k, tn in enumerate(r.sequence(m["targets"], f"{where}.targets")):
            t = _target(r, tn, f"{where}.targets[{k}]", solver)
            if t is not None:
                targets.append(t)
        if not targets and not r.issues:
            r.error(m["targets"], f"{where}.targets", "a part needs at least one target")
        for key in (*_SYMBOL_FIELDS, "alternatives"):
            if key in m:
                r.error(m[key], f"{where}.{key}", "with targets, put this inside each target")
    else:
        spec = _answer_form(r, m, forms[0], where, solver)
        alts = (
            _alternatives(r, m["alternatives"], f"{where}.alternatives")
            if "alternatives" in m
            else ()
        )
        if spec is not None:
            symbols = _symbols(r, m, where)
            targets.append(Target("answer", spec, symbols, None, alts, node.start_mark.line + 1))
    if (
        solver is not None
        and targets
        and not any(isinstance(t.answer, SolverValue) for t in targets)
    ):
        r.error(
            m["solver"], f"{where}.solver", "the solver call is not used by any target (add value:)"
        )
    if targets and all(t.optional for t in targets):
        r.error(m.get("targets", node), f"{where}.targets", "every target is optional")
    return targets


def _check_part_points(
    r: _Reader,
    m: Mapping[str, Node],
    node: Node,
    where: str,
    fields: Mapping[str, Any],
    targets: Sequence[Target],
) -> None:
    """Rubric items and target points against the part's points."""
    points, rubric = fields["points"], fields["rubric"]
    if points is not None and rubric:
        earn = sum(i.points for i in rubric if i.points > 0)
        if earn > points + 1e-9:
            r.error(
                m["rubric"],
                f"{where}.rubric",
                f"rubric items add up to {_fmt(earn)} > {_fmt(points)} points",
            )
    if points is None or not targets:
        return
    scored = [t for t in targets if not t.optional]
    given = [t.points for t in scored if t.points is not None]
    at = m.get("targets", node)
    if any(t.optional and t.points is not None for t in targets):
        r.error(at, f"{where}.targets", "an optional target earns no points of its own")
    if given and len(given) != len(scored):
        r.error(at, f"{where}.targets", "give points to every target or to none")
    elif given and abs(sum(given) - points) > 1e-9:
        r.error(
            at,
            f"{where}.targets",
            f"target points add up to {_fmt(sum(given))} but the part is worth {_fmt(points)}",
        )


def _region(r: _Reader, node: Node, where: str) -> Region | None:
    """``region: {page: 1, box: [x0, y0, x1, y1]}``, fractions of the page, y downwards."""
    m = r.mapping(node, where, ("page", "box"), ("page", "box"))
    if m is None or "page" not in m or "box" not in m:
        return None
    page = r.scalar(m["page"], f"{where}.page", int)
    if page is not None and page < 1:
        r.error(m["page"], f"{where}.page", "pages are numbered from 1")
        page = None
    values = r.data(m["box"])
    if not (
        isinstance(values, list)
        and len(values) == 4
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    ):
        r.error(m["box"], f"{where}.box", "give four numbers: [x0, y0, x1, y1]")
        return None
    x0, y0, x1, y1 = (float(v) for v in values)
    if not (0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1):
        r.error(
            m["box"],
            f"{where}.box",
            "fractions of the page with 0 <= x0 < x1 <= 1, 0 <= y0 < y1 <= 1",
        )
        return None
    return None if page is None else Region(page, (x0, y0, x1, y1))


class _AnyKeys(tuple):
    """``allowed`` for free-form mappings (solver params): every key is accepted."""

    def __contains__(self, item: object) -> bool:
        return True


def _param_lines(node: Node, prefix: str, out: dict[str, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            path = f"{prefix}.{k.value}" if prefix else str(k.value)
            out[path] = k.start_mark.line + 1
            _param_lines(v, path, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            path = f"{prefix}[{i}]"
            out[path] = v.start_mark.line + 1
            _param_lines(v, path, out)


def _symbols(r: _Reader, m: Mapping[str, Node], where: str) -> tuple[str, ...]:
    if "symbol" in m and "symbols" in m:
        r.error(m["symbols"], f"{where}.symbols", "give symbol or symbols, not both")
    if "symbol" in m:
        return r.strings(m["symbol"], f"{where}.symbol")
    if "symbols" in m:
        return r.strings(m["symbols"], f"{where}.symbols")
    return ()


def _target(r: _Reader, node: Node, where: str, solver: SolverCall | None) -> Target | None:
    m = r.mapping(node, where, _TARGET_FIELDS, ("name",))
    if m is None:
        return None
    fields = _read_fields(r, m, where, _TARGET_SCHEMA)
    forms = [f for f in _SINGLE_FORMS if f in m]
    if len(forms) != 1:
        r.error(node, where, "give exactly one of value, answer, predicate or descriptive")
        return None
    spec = _answer_form(r, m, forms[0], where, solver)
    alts = (
        _alternatives(r, m["alternatives"], f"{where}.alternatives") if "alternatives" in m else ()
    )
    if fields["name"] is None or spec is None:
        return None
    return Target(
        fields["name"],
        spec,
        _symbols(r, m, where),
        fields["points"],
        alts,
        node.start_mark.line + 1,
        optional=fields["optional"],
        column=fields["column"],
    )


def _answer_form(
    r: _Reader, m: Mapping[str, Node], form: str, where: str, solver: SolverCall | None
) -> AnswerSpec | None:
    node = m[form]
    if form == "value":
        if solver is None:
            r.error(node, f"{where}.value", "value: names a solver result, but there is no solver:")
            return None
        name = r.text(node, f"{where}.value")
        return None if name is None else SolverValue(name)
    if form == "descriptive":
        if isinstance(node, yaml.ScalarNode) and r.data(node) is True:
            return DescriptiveAnswer("")
        text = r.text(node, f"{where}.descriptive")
        return None if text is None else DescriptiveAnswer(text)
    if form == "predicate":
        return _predicate(r, node, f"{where}.predicate")
    return _literal(r, node, f"{where}.answer")


_SPEC_FIELDS = ("unit", "convention", "options", "synonyms")
_BOOL_TAG = "tag:yaml.org,2002:bool"


def _unquoted_booleans(r: _Reader, node: Node, where: str) -> bool:
    """Report every unquoted Yes/No/On/Off in a literal answer (YAML reads them as true and
    false, so ``choice: Yes`` would silently become "True"); whether any was found."""
    found = False
    if isinstance(node, yaml.ScalarNode):
        # the YAML 1.1 booleans besides true/false: yes, no, on, off (not y, n: PyYAML keeps them)
        if node.tag == _BOOL_TAG and node.value.lower() not in ("true", "false"):
            r.error(
                node,
                where,
                f"YAML reads an unquoted {node.value} as true/false: write it in quotes "
                f"('{node.value}')",
            )
            found = True
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            found |= _unquoted_booleans(r, item, f"{where}[{i}]")
    elif isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            found |= _unquoted_booleans(r, k, where)
            found |= _unquoted_booleans(r, v, f"{where}.{k.value}")
    return found


def _literal(r: _Reader, node: Node, where: str) -> LiteralAnswer | None:
    if _unquoted_booleans(r, node, where):
        return None
    names = literal_names()
    fields = tuple(dict.fromkeys(f for k in names for f in get_kind(k).key_fields))
    m = r.mapping(node, where, (*names, *fields))
    if m is None:
        return None
    kinds = [k for k in names if k in m]
    if len(kinds) != 1:
        r.error(node, where, f"give exactly one of {', '.join(names)}")
        return None
    kind = get_kind(kinds[0])
    vnode = m[kind.name]
    at = f"{where}.{kind.name}"
    value = kind.key_literal(r, vnode, at)
    for extra in fields:
        if extra in m and extra not in kind.key_fields:
            owners = [k for k in names if extra in get_kind(k).key_fields]
            r.error(m[extra], f"{where}.{extra}", f"only meaningful for a {' or '.join(owners)}")
    unit = r.text(m["unit"], f"{where}.unit") if "unit" in m else ""
    convention = r.text(m["convention"], f"{where}.convention") if "convention" in m else ""
    options: tuple[str, ...] = ()
    if "options" in m:
        options = (
            tuple(str(x) for x in r.data(m["options"]))
            if isinstance(m["options"], yaml.SequenceNode)
            else r.strings(m["options"], f"{where}.options")
        )
    synonyms: dict[str, tuple[str, ...]] = {}
    if "synonyms" in m:
        sm = r.mapping(m["synonyms"], f"{where}.synonyms", _AnyKeys())
        for k, v in (sm or {}).items():
            synonyms[k] = r.strings(v, f"{where}.synonyms.{k}")
    extras = {
        f: kind.key_extra(r, f, m[f], f"{where}.{f}")
        for f in kind.key_fields
        if f in m and f not in _SPEC_FIELDS
    }
    spec = LiteralAnswer(
        kind.name,
        value,
        unit or "",
        convention or "",
        options,
        FrozenMap(synonyms),
        FrozenMap(extras),
    )
    kind.check_key(r, spec, vnode, at)
    if value is None or (isinstance(value, tuple) and any(v is None for v in _flat(value))):
        return None
    try:
        literal_value(spec)
    except (Unreadable, ValueError, TypeError) as exc:
        r.error(vnode, at, f"cannot read the value: {exc}")
        return None
    return spec


def _flat(v: Any) -> Iterator[Any]:
    if isinstance(v, tuple):
        for x in v:
            yield from _flat(x)
    else:
        yield v


def _predicate(r: _Reader, node: Node, where: str) -> PredicateAnswer | None:
    m = r.mapping(
        node,
        where,
        ("variables", "conditions", "example", "description"),
        ("variables", "conditions"),
    )
    if m is None or "variables" not in m or "conditions" not in m:
        return None
    variables = r.strings(m["variables"], f"{where}.variables")
    conditions = r.strings(m["conditions"], f"{where}.conditions")
    example: dict[str, Any] = {}
    if "example" in m:
        em = r.mapping(m["example"], f"{where}.example", variables)
        for k, v in (em or {}).items():
            x = r.number(v, f"{where}.example.{k}")
            if x is not None:
                example[k] = x
    description = r.text(m["description"], f"{where}.description") if "description" in m else ""
    spec = PredicateAnswer(variables, conditions, FrozenMap(example), description or "")
    try:
        pred = predicate_value(spec)
    except (Unreadable, ValueError) as exc:
        r.error(m["conditions"], f"{where}.conditions", str(exc))
        return None
    if example and not pred.check(example):
        r.error(m["example"], f"{where}.example", "the example does not satisfy the conditions")
    return spec


def _alternatives(r: _Reader, node: Node, where: str) -> tuple[Alternative, ...]:
    out = []
    for i, an in enumerate(r.sequence(node, where)):
        m = r.mapping(an, f"{where}[{i}]", ("answer", "note", "credit"), ("answer",))
        if m is None or "answer" not in m:
            continue
        spec = _literal(r, m["answer"], f"{where}[{i}].answer")
        note = r.text(m["note"], f"{where}[{i}].note") if "note" in m else ""
        credit = (
            r.number(m["credit"], f"{where}[{i}].credit", positive=True) if "credit" in m else 1.0
        )
        if credit is not None and credit > 1:
            r.error(m["credit"], f"{where}[{i}].credit", "must be between 0 and 1")
        if spec is not None:
            out.append(Alternative(spec, note or "", float(credit if credit is not None else 1.0)))
    return tuple(out)


def _rubric(r: _Reader, node: Node, where: str) -> tuple[RubricItem, ...]:
    out = []
    for i, item in enumerate(r.sequence(node, where)):
        m = r.mapping(item, f"{where}[{i}]", ("points", "text"), ("points", "text"))
        if m is None or "points" not in m or "text" not in m:
            continue
        pts = r.number(m["points"], f"{where}[{i}].points")
        text = r.text(m["text"], f"{where}[{i}].text")
        if pts is not None and text is not None:
            out.append(RubricItem(float(pts), text))
    return tuple(out)


def _cross_check(r: _Reader, key: ExamKey, top: Mapping[str, Node]) -> None:
    """Checks across parts: unique ids, dependencies on earlier parts, carried values."""
    seen: dict[str, PartKey] = {}
    node = top["questions"]
    for part in key.parts():
        at = _part_node(node, key, part.id)
        where = f"part {part.id}"
        if part.id in seen:
            r.error(at, where, f"duplicate part id {part.id!r}")
        for dep in part.depends_on:
            if dep not in seen:
                r.error(at, f"{where}.depends_on", f"{dep!r} is not an earlier part")
        for pname, src in part.carry.items():
            pid, _, tname = src.partition(":")
            if pid not in seen:
                r.error(at, f"{where}.carry.{pname}", f"{pid!r} is not an earlier part")
            elif tname and tname not in {t.name for t in seen[pid].targets}:
                r.error(at, f"{where}.carry.{pname}", f"part {pid} has no target {tname!r}")
            elif pid not in part.depends_on:
                r.error(at, f"{where}.carry.{pname}", f"add {pid!r} to depends_on")
        names = [t.name for t in part.targets]
        if len(set(names)) != len(names):
            r.error(at, f"{where}.targets", "target names must be unique")
        seen[part.id] = part
    if key.exam.total_points is not None:
        total = sum(q.points for q in key.questions if not q.bonus)
        if abs(total - key.exam.total_points) > 1e-9:
            r.error(
                top["exam"],
                "exam.total_points",
                f"{_fmt(key.exam.total_points)} but the questions (without bonus) add up to {_fmt(total)}",
            )


def _part_node(questions: Node, key: ExamKey, part_id: str) -> Node:
    for qi, q in enumerate(key.questions):
        for pi, p in enumerate(q.parts):
            if p.id == part_id:
                try:
                    qnode = questions.value[qi]
                    pmap = {k.value: v for k, v in qnode.value}
                    return pmap["parts"].value[pi]
                except (AttributeError, IndexError, KeyError):
                    return questions
    return questions
