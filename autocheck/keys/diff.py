"""What changed between two versions of an answer key, part by part: the parts whose
checking may give another result, so that only the copies with those parts are checked again."""

from __future__ import annotations

from autocheck.keys.model import ExamKey, PartKey


def _sources(part: PartKey) -> set[str]:
    """The parts whose values this part's check uses: ``depends_on``, and the earlier answers
    its solver params carry (``{"x": "3.2:z1"}``)."""
    return set(part.depends_on) | {str(ref).split(":", 1)[0] for ref in part.carry.values()}


def parts_changed(old: ExamKey, new: ExamKey) -> frozenset[str]:
    """The ids of the parts of ``new`` whose check may differ from the check with ``old``.

    A part is changed when it is new or when anything of its key differs (answers, solver
    call and params, points, tolerance, rubric, region, flags: the YAML line it is written on
    does not count); every part when the key-wide tolerance or flags differ; and a part whose
    check uses a changed part's values (``depends_on``, ``carry``), transitively.
    """
    parts = new.parts()
    if (old.tolerance, old.flags) != (new.tolerance, new.flags):
        return frozenset(p.id for p in parts)
    before = {p.id: p for p in old.parts()}
    changed = {p.id for p in parts if before.get(p.id) != p}
    grew = bool(changed)
    while grew:
        grew = False
        for part in parts:
            if part.id not in changed and _sources(part) & changed:
                changed.add(part.id)
                grew = True
    return frozenset(changed)
