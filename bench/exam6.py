"""The six-page exam of the end-to-end benchmark (``python -m bench.e2e --pages 6``).

The demo midterm (``demo``) has 2 pages per copy; the night after a real exam brings
copies of 6 pages or more. This exam spreads the demo's kinds of part, each with its own
parameters, over 6 pages with 3 or 4 answer regions on every page, so that every scanned page
is placed, read by the OCR and checked (``exam6.yaml``: the key, its regions, the solvers that
compute every expected value). The students write, as in the demo, mostly right answers, some
typical mistakes and a few blanks.

Scans are generated a few copies at a time (:func:`scans`): the fake scanner keeps every
rendered page of its input in memory (6.5 MB each at 150 dpi), so 200 copies of 6 pages in
one call would hold about 8 GB; in chunks only the JPEGs of the whole stack are kept.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

KEY_PATH = Path(__file__).with_name("exam6.yaml")
PAGES = 6
COURSE = {"code": "DL101", "title": "Deep Learning 101", "term": "Benchmark, 6 pages"}
TITLE = "Six-page exam"
#: Pages rendered per call of the fake scanner: bounds its memory (about 6.5 MB a page).
CHUNK_PAGES = 48

#: part id -> answers a student may write: the right one first, then a typical mistake, then
#: the right one written another way.
ANSWERS = {
    "1.a": ["15", "12", "E = 15"],
    "1.b": ["78", "79", "78"],  # 79: rounded up instead of dropping the last batch
    "1.c": ["10", "0.1", "E = 10"],  # 0.1: the ratio upside down
    "1.d": ["781", "782", "781"],  # 782: rounded up
    "2.a": ["218058", "217728", "218058"],  # 217728: biases forgotten
    "2.b": ["1578506", "1577984", "1578506"],  # biases forgotten
    "2.c": ["7702", "7600", "P = 7702"],  # biases forgotten
    "3.a": ["62 x 62 x 16", "64 x 64 x 16", "62 x 62 x 16"],  # padding assumed
    "3.b": ["28 x 28 x 8", "32 x 32 x 8", "28 x 28 x 8"],
    "3.c": ["26 x 26 x 32", "28 x 28 x 32", "26 x 26 x 32"],
    "3.d": ["122 x 122 x 4", "128 x 128 x 4", "122 x 122 x 4"],
    "4.a": ["1.386", "0.602", "1.39"],  # 0.602: log base 10
    "4.b": ["0.357", "0.155", "0.36"],
    "4.c": ["0.511", "0.222", "L = 0.511"],
    "5.a": ["18", "-18", "18"],  # sign error
    "5.b": ["-4", "4", "-4"],
    "5.c": ["-16", "16", "-16"],
    "5.d": ["22", "-22", "22"],
    "6.a": ["1.6", "2.4", "w = 1.6"],  # 2.4: stepped up the gradient
    "6.b": ["2", "4", "2"],  # 4: the sum, not the mean
    "6.c": ["units cannot co-adapt", "less overfitting", ""],
}
#: Parts a person judges (the checker sends them to review): never planted blank.
DESCRIPTIVE = frozenset({"6.c"})


def regions() -> dict[str, tuple[int, tuple[float, float, float, float]]]:
    """part id -> (page, box) as the key's ``region`` fields say."""
    data = yaml.safe_load(KEY_PATH.read_text())
    out = {}
    for q in data["questions"]:
        for p in q["parts"]:
            x0, y0, x1, y1 = (float(v) for v in p["region"]["box"])
            out[f"{q['number']}.{p['number']}"] = (int(p["region"]["page"]), (x0, y0, x1, y1))
    return out


def planned(student_index: int) -> dict[str, tuple[str, str]]:
    """Per part, (what student ``student_index`` writes, "right" | "wrong" | "blank").

    The same pattern as the demo's: over 7 consecutive parts two mistakes and one blank,
    shifted by 3 parts from one student to the next.
    """
    out = {}
    for k, (part_id, options) in enumerate(ANSWERS.items()):
        choice = (student_index * 3 + k) % 7
        if choice in (1, 4):
            out[part_id] = (options[1], "wrong")
        elif choice == 6 and part_id not in DESCRIPTIVE:
            out[part_id] = ("", "blank")
        else:
            text = options[2] if choice == 5 else options[0]
            out[part_id] = (text, "right" if text else "blank")
    return out


def answers_for(student_index: int) -> dict[str, str]:
    """The text student ``student_index`` (0-based) writes per part ("" for a blank)."""
    return {part_id: text for part_id, (text, _) in planned(student_index).items()}


def planned_verdicts(copies: int) -> dict[str, Counter[str]]:
    """What the checker concludes on the planned texts themselves (no scan, no OCR), per
    planned kind ("right", "wrong", "blank"): what the pipeline finds where the OCR reads the
    planted text exactly (a misread goes to a person or comes out wrong)."""
    from autocheck.check import check_submission
    from autocheck.keys import parse_key, resolve_expected

    key = parse_key(KEY_PATH.read_text())
    expected = resolve_expected(key)
    out: dict[str, Counter[str]] = {}
    for i in range(copies):
        plan = planned(i)
        answers = {pid: text for pid, (text, _) in plan.items() if text}
        for v in check_submission(key, answers, expected=expected):
            out.setdefault(plan[v.part][1], Counter())[v.verdict] += 1
    return out


def exam(copies: int) -> tuple[Any, list[Any]]:
    """A new six-page exam with its key and regions installed, and ``copies`` students.

    The course and its students are created on the first call and reused afterwards (each
    run gets a new exam: nothing is deleted, the grade log is append-only on PostgreSQL).
    """
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from demo.build import student_name
    from exams.models import Course, Enrollment, Role
    from exams.services.courses import course_create, enrollment_add
    from exams.services.keys import answer_key_store
    from exams.services.structure import exam_create

    user_model = get_user_model()
    with transaction.atomic():
        course = Course.objects.filter(code=COURSE["code"], term=COURSE["term"]).first()
        if course is None:
            course = course_create(code=COURSE["code"], title=COURSE["title"], term=COURSE["term"])
        roster = list(
            Enrollment.objects.filter(course=course, role=Role.STUDENT).order_by("pk")[:copies]
        )
        for i in range(len(roster) + 1, copies + 1):
            first, _, last = student_name(i).partition(" ")
            user = user_model.objects.create_user(
                username=f"bench6-{i:04d}",
                email=f"bench6-{i:04d}@bench.invalid",
                first_name=first,
                last_name=last,
            )
            roster.append(
                enrollment_add(
                    course=course, user=user, role=Role.STUDENT, student_number=f"2027{i:04d}"
                )
            )
        n = course.exams.count() + 1
        new = exam_create(course=course, title=f"{TITLE} (run {n})", pages_per_copy=PAGES)
        answer_key_store(exam=new, source=KEY_PATH.read_text())
    return new, roster


def scans(
    exam: Any,
    roster: list[Any],
    *,
    seed: int = 11,
    dpi: float = 150,
    defects: Any = None,
    chunk_pages: int = CHUNK_PAGES,
):
    """Print the copies of ``roster``, write the planned answers on them and scan them, a
    chunk of copies at a time; returns one ``FakeScan`` of the whole stack.

    Each chunk is printed (copy numbers continue), written on and scanned on its own, then
    the JPEGs are put in one scanner PDF in chunk order: pages are shuffled within a chunk,
    and the defects that count pages (upside down, dropped, fed twice) apply to the first
    chunk only, so the stack has as many of each as one call would give.
    """
    from exams.scanning.fakescan import (
        FakeScan,
        FakeScanManifest,
        ScanDefects,
        fake_scan,
        scanner_pdf,
    )
    from exams.services import printing

    d = defects or ScanDefects(upside_down=1, dropped=0, duplicated=0)
    later = replace(d, upside_down=0, quarter_turns=0, dropped=0, duplicated=0)
    per_chunk = max(1, chunk_pages // exam.pages_per_copy)
    region_list = printing.exam_regions(exam)
    jpegs: list[bytes] = []
    pages: list = []
    texts: list = []
    missing: list = []
    twice: list = []
    fonts: set[str] = set()
    for c, start in enumerate(range(0, len(roster), per_chunk)):
        chunk = roster[start : start + per_chunk]
        pdf = printing.exam_print_copies(exam=exam, students=chunk)
        numbers = exam.submissions.order_by("copy_number").values_list("copy_number", flat=True)
        copies = list(numbers)[-len(chunk) :]
        answers = {
            (copy, part_id): text
            for index, copy in enumerate(copies, start=start)
            for part_id, text in answers_for(index).items()
            if text
        }
        scan = fake_scan(
            pdf, answers, region_list, seed=seed + 7919 * c, dpi=dpi, defects=d if c == 0 else later
        )
        offset = len(jpegs)
        jpegs.extend(scan.jpegs)
        pages.extend(replace(p, position=p.position + offset) for p in scan.manifest.pages)
        texts.extend(scan.manifest.texts)
        missing.extend(scan.manifest.missing)
        twice.extend(scan.manifest.duplicated)
        fonts.update(scan.manifest.fonts)
        del scan, pdf
    manifest = FakeScanManifest(
        dpi=dpi,
        pages=tuple(pages),
        missing=tuple(missing),
        duplicated=tuple(twice),
        texts=tuple(texts),
        fonts=tuple(sorted(fonts)),
    )
    return FakeScan(scanner_pdf(jpegs, dpi), jpegs, manifest)
