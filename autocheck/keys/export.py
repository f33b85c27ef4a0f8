"""Write a key back as YAML in the canonical layout (``parse_key(export_key(k)) == k``)."""

from __future__ import annotations

from typing import Any

import yaml

from autocheck.keys.model import (
    FORMAT_VERSION,
    Alternative,
    AnswerSpec,
    DescriptiveAnswer,
    ExamKey,
    LiteralAnswer,
    PartKey,
    PredicateAnswer,
    QuestionKey,
    SolverValue,
    Target,
    Tolerance,
    thaw_value,
)

# --------------------------------------------------------------------------- export


def export_key(key: ExamKey) -> str:
    """Write ``key`` as YAML in the canonical layout (``parse_key`` reads it back equal)."""
    return yaml.safe_dump(key_to_data(key), sort_keys=False, allow_unicode=True, width=100)


def key_to_data(key: ExamKey) -> dict[str, Any]:
    data: dict[str, Any] = {"format": FORMAT_VERSION, "key_version": key.key_version}
    exam: dict[str, Any] = {"id": key.exam.id}
    for name in ("title", "course", "date"):
        if getattr(key.exam, name):
            exam[name] = getattr(key.exam, name)
    if key.exam.total_points is not None:
        exam["total_points"] = key.exam.total_points
    data["exam"] = exam
    defaults = dict(key.flags.thaw())
    tol = _tolerance_data(key.tolerance)
    if tol:
        defaults = {"tolerance": tol, **defaults}
    if defaults:
        data["defaults"] = defaults
    data["questions"] = [_question_data(q) for q in key.questions]
    return data


def _num_out(x: float) -> int | float:
    return int(x) if float(x).is_integer() else x


def _tolerance_data(t: Tolerance) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("rtol", "atol", "sig_figs", "student_digits"):
        if getattr(t, name) is not None:
            out[name] = getattr(t, name)
    return out


def _question_data(q: QuestionKey) -> dict[str, Any]:
    d: dict[str, Any] = {"number": q.number}
    if q.label:
        d["label"] = q.label
    if q.title:
        d["title"] = q.title
    d["points"] = _num_out(q.points)
    if q.bonus:
        d["bonus"] = True
    d["parts"] = [_part_data(p) for p in q.parts]
    return d


def _part_data(p: PartKey) -> dict[str, Any]:
    d: dict[str, Any] = {}
    if p.number:
        d["number"] = p.number
    if p.label:
        d["label"] = p.label
    d["points"] = _num_out(p.points)
    if p.prompt:
        d["prompt"] = p.prompt
    if p.column:
        d["column"] = p.column
    if p.solver is not None:
        d["solver"] = p.solver.name
        d["params"] = p.solver.params.thaw()
    only = p.targets[0]
    if (
        len(p.targets) == 1
        and only.name == "answer"
        and only.points is None
        and not only.optional
        and not only.column
    ):
        t = p.targets[0]
        d.update(_answer_data(t.answer))
        if t.symbols:
            d["symbols"] = list(t.symbols)
        if t.alternatives:
            d["alternatives"] = [_alt_data(a) for a in t.alternatives]
    else:
        d["targets"] = [_target_data(t) for t in p.targets]
    tol = _tolerance_data(p.tolerance)
    if tol:
        d["tolerance"] = tol
    if not p.partial_credit:
        d["partial_credit"] = False
    if p.depends_on:
        d["depends_on"] = list(p.depends_on)
    if p.carry:
        d["carry"] = p.carry.thaw()
    if p.flags:
        d["flags"] = p.flags.thaw()
    if p.rubric:
        d["rubric"] = [{"points": i.points, "text": i.text} for i in p.rubric]
    if p.region is not None:
        d["region"] = {"page": p.region.page, "box": list(p.region.box)}
    return d


def _target_data(t: Target) -> dict[str, Any]:
    d: dict[str, Any] = {"name": t.name}
    if t.symbols:
        d["symbols"] = list(t.symbols)
    if t.points is not None:
        d["points"] = _num_out(t.points)
    if t.optional:
        d["optional"] = True
    if t.column:
        d["column"] = t.column
    d.update(_answer_data(t.answer))
    if t.alternatives:
        d["alternatives"] = [_alt_data(a) for a in t.alternatives]
    return d


def _alt_data(a: Alternative) -> dict[str, Any]:
    d: dict[str, Any] = {"answer": _literal_data(a.answer)}
    if a.note:
        d["note"] = a.note
    if a.credit != 1.0:
        d["credit"] = a.credit
    return d


def _answer_data(spec: AnswerSpec) -> dict[str, Any]:
    if isinstance(spec, SolverValue):
        return {"value": spec.value}
    if isinstance(spec, DescriptiveAnswer):
        return {"descriptive": spec.guidance or True}
    if isinstance(spec, PredicateAnswer):
        pd: dict[str, Any] = {
            "variables": list(spec.variables),
            "conditions": list(spec.conditions),
        }
        if spec.example:
            pd["example"] = spec.example.thaw()
        if spec.description:
            pd["description"] = spec.description
        return {"predicate": pd}
    return {"answer": _literal_data(spec)}


def _literal_data(spec: LiteralAnswer) -> dict[str, Any]:
    d: dict[str, Any] = {spec.kind: thaw_value(spec.value)}
    if spec.unit:
        d["unit"] = spec.unit
    if spec.convention:
        d["convention"] = spec.convention
    if spec.options:
        d["options"] = list(spec.options)
    if spec.synonyms:
        d["synonyms"] = spec.synonyms.thaw()
    d.update(spec.extras.thaw())
    return d
