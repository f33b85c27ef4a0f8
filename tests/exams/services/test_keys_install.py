"""Installing an answer key on an exam that has a structure already: the example keys install
on exams made from their text, a key's regions are checked against the pages per copy, what
the key changes is said before it is applied, and errors name the part and the field."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest

from demo import plan
from exams.models import AnswerKey, Exam
from exams.services import keys
from exams.services.authoring import exam_create_from_text
from exams.services.keys import (
    AnswerKeyError,
    KeyNeedsConfirmation,
    answer_key_changes,
    answer_key_store,
)
from exams.services.structure import PartSpec, QuestionSpec, StructureError, exam_structure_set

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
SEEDS = ROOT.parent / "shared" / "seeds"
KEYS = ROOT / "tests" / "corpus" / "keys"


def _seed(name: str) -> str:
    path = SEEDS / name
    if not path.is_file():
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"seed {name} missing under CI=true")
        pytest.skip(f"seed {name} not available")
    return path.read_text()


@pytest.mark.parametrize(
    "name",
    [
        "ece695-midterm2-2021-solution",
        "ece1508-midterm-2025-student",
        "ece-c147-midterm-2021-student",
    ],
)
def test_the_example_keys_install_on_an_exam_made_from_their_text(cast, media_root, name):
    exam = exam_create_from_text(course=cast.course, title=name, source=_seed(f"{name}.md"))
    answer_key_store(exam=exam, source=(KEYS / f"{name}.yaml").read_text())
    exam.refresh_from_db()
    assert AnswerKey.objects.filter(exam=exam).count() == 1
    assert all(part.label for part in exam.parts.all())
    # Every region found for the text survives the key (none is drawn by hand).
    regions = [part.region for part in exam.parts.all()]
    assert all(r and r["page"] <= exam.pages_per_copy for r in regions)


def test_the_demo_key_installs_on_the_exam_made_from_the_demo_text(cast, media_root):
    text = (ROOT / "demo" / "printed.md").read_text()
    exam = exam_create_from_text(course=cast.course, title="Demo", source=text)
    # Same parts, labels and points: only the key's own regions differ from those laid out.
    with pytest.raises(KeyNeedsConfirmation) as caught:
        answer_key_store(exam=exam, source=plan.KEY_PATH.read_text(), confirmed=False)
    changes = caught.value.changes
    assert (changes.added, changes.removed, changes.changed) == ((), (), ())
    assert len(changes.moved) == 7
    answer_key_store(exam=exam, source=plan.KEY_PATH.read_text(), confirmed=True)
    assert exam.parts.count() == 7


def test_a_part_without_a_label_takes_its_printed_number(cast):
    key = plan.KEY_PATH.read_text().replace("        label: (b)\n", "", 1)
    answer_key_store(exam=cast.exam, source=key)
    assert cast.exam.parts.get(part_id="1.b").label == "(b)"


def test_a_structure_error_names_the_part_and_the_field(cast):
    spec = QuestionSpec(
        number="1",
        max_points=Decimal(4),
        parts=[PartSpec(part_id="1.a", label="", max_points=Decimal(4))],
    )
    with pytest.raises(StructureError) as caught:
        exam_structure_set(exam=cast.exam, questions=[spec])
    assert caught.value.messages == ["Part 1.a: label: This field cannot be blank."]


def test_a_key_error_from_the_database_names_the_line_the_part_and_the_field(cast, monkeypatch):
    # No key the parser accepts has such a value today: force one, as a future field would.
    monkeypatch.setattr(keys, "_default_label", lambda question, part: "")
    key = plan.KEY_PATH.read_text().replace("        label: (b)\n", "", 1)
    with pytest.raises(AnswerKeyError) as caught:
        answer_key_store(exam=cast.exam, source=key)
    assert caught.value.issues == ("line 26: part 1.b: label: This field cannot be blank.",)
    assert not AnswerKey.objects.filter(exam=cast.exam).exists()


def _key_with_pages(pages: tuple[int, ...]) -> str:
    key = plan.KEY_PATH.read_text()
    for n, page in enumerate(pages):
        key = key.replace(f"region: {{page: {1 if n < 4 else 2},", f"region: {{PAGE: {page},", 1)
    return key.replace("PAGE", "page")


def test_regions_beyond_the_pages_per_copy_are_said_and_confirmed(cast):
    exam = Exam.objects.get(pk=cast.exam.pk)
    key = _key_with_pages((2, 3, 4, 4))
    with pytest.raises(KeyNeedsConfirmation) as caught:
        answer_key_store(exam=exam, source=key, confirmed=False)
    assert "the pages per copy go from 1 to 4" in " ".join(caught.value.changes.lines)
    assert Exam.objects.get(pk=exam.pk).pages_per_copy == 1
    answer_key_store(exam=exam, source=key, confirmed=True)
    assert Exam.objects.get(pk=exam.pk).pages_per_copy == 4


def test_regions_beyond_the_pages_of_printed_copies_are_refused(cast):
    Exam.objects.filter(pk=cast.exam.pk).update(status=Exam.Status.PRINTED)
    exam = Exam.objects.get(pk=cast.exam.pk)
    with pytest.raises(AnswerKeyError) as caught:
        answer_key_store(exam=exam, source=_key_with_pages((2, 3, 4, 4)))
    assert any(
        "part 1.a: region: page 2 is beyond the 1 page(s) per copy" in i
        for i in caught.value.issues
    )
    assert Exam.objects.get(pk=exam.pk).pages_per_copy == 1


COARSE = """\
## Question 1: Schedules (10 points)

(a) (10 points) How many epochs do 3,000 steps of batch 250 over 50,000 images take, and how
many mini-batches per epoch with batch 128 over 10,000 images?

## Question 2: Sizes (12 points)

How many parameters and what output shape?
"""


def test_a_key_finer_than_the_text_says_what_it_changes_and_changes_nothing(cast, media_root):
    exam = exam_create_from_text(
        course=cast.course, title="Coarse", source=COARSE, points={"2": "12"}
    )
    before = sorted(exam.parts.values_list("part_id", "max_points"))
    with pytest.raises(KeyNeedsConfirmation) as caught:
        answer_key_store(exam=exam, source=plan.KEY_PATH.read_text(), confirmed=False)
    changes = caught.value.changes
    assert changes.removed == ("2",)
    assert {a.split()[0] for a in changes.added} == {"1.b", "2.a", "2.b", "3.a", "3.b", "4.a"}
    assert "part 1.a: points 10 -> 5" in changes.changed
    assert "1.a" in changes.moved  # the key's region replaces the one laid out
    assert sorted(exam.parts.values_list("part_id", "max_points")) == before
    assert answer_key_changes(exam=exam, source=plan.KEY_PATH.read_text()) == changes


def test_a_part_the_key_names_anew_keeps_the_region_found_for_its_label(cast, media_root):
    exam = exam_create_from_text(
        course=cast.course, title="Demo", source=(ROOT / "demo" / "printed.md").read_text()
    )
    found = exam.parts.get(part_id="2.a").region
    key = plan.KEY_PATH.read_text()
    key = key.replace(
        "      - number: a\n        region: {page: 1, box: [0.12, 0.56, 0.62, 0.64]}\n",
        "      - number: fc\n",
        1,
    )
    answer_key_store(exam=exam, source=key)
    part = exam.parts.get(part_id="2.fc")
    assert part.label == "(a)"
    assert part.region == found
    assert not exam.parts.filter(part_id="2.a").exists()
