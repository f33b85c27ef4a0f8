"""``python -m bench.regions``: answer regions found on a blank exam PDF's text layer, against
where the answer room really is.

Each exam text (the demo's, the development corpus's blank exams, the seed exams in
``../shared/seeds`` when present) is laid out as an exam made from text prints it, with the
room for each part's answer after its text, and printed as a PDF **without** the boxes: an
instructor's own blank exam, whose regions are unknown to the finder. The regions found on its
text layer (``exams.scanning.answer_areas``) are compared with the rooms the layout left:
a part is *found* when a region is proposed, *right* when the region covers at least 80 % of
its room and nothing of another part's (the instructor keeps it: the last part's region may
run to the page's foot, more room than the layout left, which is right), and *wrong*
otherwise (the instructor must move it). Pure: no Django.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from autocheck.structure import propose_structure
from exams.scanning.answer_areas import PartLabel, find_answer_areas
from exams.scanning.copies import render_template
from exams.scanning.exam_text import layout_text, paragraphs_from_text
from exams.scanning.layout import Region
from exams.scanning.pdftext import pdf_lines

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO.parent / "shared" / "seeds"
#: Share of its answer room a region must cover to count as right...
RIGHT_COVER = 0.8
#: ...while covering at most this share of its own area in another part's room.
MAX_SPILL = 0.05


def _texts() -> dict[str, str]:
    texts = {"demo": (REPO / "demo" / "printed.md").read_text()}
    for path in sorted((REPO / "tests" / "corpus" / "exams").glob("*/printed.md")):
        texts[path.parent.name] = path.read_text()
    for path in sorted(SEEDS.glob("*.md")) if SEEDS.is_dir() else []:
        if path.stem == "README":
            continue
        texts[f"seed:{path.stem}"] = path.read_text()
    return texts


def _area(r: Region) -> float:
    return (r.x1 - r.x0) * (r.y1 - r.y0)


def _overlap(a: Region, b: Region) -> float:
    if a.page != b.page:
        return 0.0
    w = max(0.0, min(a.x1, b.x1) - max(a.x0, b.x0))
    h = max(0.0, min(a.y1, b.y1) - max(a.y0, b.y0))
    return w * h


def _right(found: Region, room: Region, others: list[Region]) -> tuple[bool, float]:
    """Whether ``found`` is right for ``room``, and the share of the room it covers."""
    cover = _overlap(found, room) / _area(room)
    spill = sum(_overlap(found, other) for other in others) / _area(found)
    return cover >= RIGHT_COVER and spill <= MAX_SPILL, cover


def measure(name: str, text: str) -> dict:
    """The finder's figures on one exam text."""
    proposed = propose_structure(text)
    labels = [
        (PartLabel(p.part_id, p.label, q.number), float(p.points or 0))
        for q in proposed.questions
        for p in q.parts
    ]
    layout = layout_text(paragraphs_from_text(text, labels))
    truth = {r.label: r for r in layout.regions}
    blank = render_template(name, [], text=layout.lines)
    areas = find_answer_areas(pdf_lines(blank), [label for label, _ in labels], pages=layout.pages)
    judged = {
        a.part_id: _right(
            a.region, truth[a.part_id], [r for k, r in truth.items() if k != a.part_id]
        )
        for a in areas
        if a.region is not None and a.part_id in truth
    }
    covers = [cover for _, cover in judged.values()]
    return {
        "exam": name,
        "parts": len(truth),
        "pages": layout.pages,
        "found": len(judged),
        "right": sum(right for right, _ in judged.values()),
        "wrong": sorted(k for k, (right, _) in judged.items() if not right),
        "mean_cover": round(sum(covers) / len(covers), 3) if covers else None,
        "missing": {a.part_id: a.reason for a in areas if a.region is None},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.regions", description=__doc__)
    parser.add_argument("--json", action="store_true", help="the figures as JSON")
    args = parser.parse_args(argv)
    rows = [measure(name, text) for name, text in _texts().items()]
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    print(f"{'exam':<40} {'parts':>5} {'pages':>5} {'found':>5} {'right':>5} {'cover':>6}  wrong")
    for row in rows:
        cover = "-" if row["mean_cover"] is None else f"{row['mean_cover']:.3f}"
        print(
            f"{row['exam']:<40} {row['parts']:>5} {row['pages']:>5} {row['found']:>5} "
            f"{row['right']:>5} {cover:>6}  {' '.join(row['wrong'])}"
        )
    total = {k: sum(r[k] for r in rows) for k in ("parts", "found", "right")}
    wrong = sum(len(r["wrong"]) for r in rows)
    print(
        f"{'all':<40} {total['parts']:>5} {'':>5} {total['found']:>5} {total['right']:>5} "
        f"{'':>6}  {wrong} wrong"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
