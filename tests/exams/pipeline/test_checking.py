"""Transcriptions in, verdicts and scores out, on the demo exam's key."""

from __future__ import annotations

from decimal import Decimal

import pytest

from demo import plan
from exams.models import Answer, AnswerKey, Part, Transcription
from exams.pipeline import checking
from exams.services.keys import AnswerKeyError, answer_key_install, answer_key_store
from grading import services as grading
from grading.models import GradeEvent, Score

pytestmark = pytest.mark.django_db

KEY = plan.KEY_PATH.read_text()


@pytest.fixture
def exam(cast):
    answer_key_store(exam=cast.exam, source=KEY)
    return cast.exam


def _answers(cast, texts: dict[str, str], source=Transcription.Source.TYPED):
    for part in cast.exam.parts.filter(part_id__in=texts):
        checking.answer_set_text(
            submission=cast.submission,
            part=part,
            text=texts[part.part_id],
            source=source,
            engine="test",
            confidence=0.9,
            actor=None,
        )
    return {a.part.part_id: a for a in checking.submission_check(submission=cast.submission)}


def test_installing_a_key_builds_the_question_tree(exam):
    parts = {p.part_id: p for p in exam.parts.all()}
    assert list(parts) == ["1.a", "1.b", "2.a", "2.b", "3.a", "3.b", "4.a"]
    assert parts["2.a"].max_points == Decimal(6)
    assert parts["2.a"].kind == Part.Kind.SOLVER
    assert parts["4.a"].kind == Part.Kind.DESCRIPTIVE
    assert exam.questions.get(number="3").max_points == Decimal(12)


def test_the_same_key_twice_is_one_version_and_an_edit_is_the_next(exam):
    _, _, created = answer_key_store(exam=exam, source=KEY)
    assert not created
    answer_key_store(exam=exam, source=KEY.replace("key_version: 1", "key_version: 2"))
    assert list(AnswerKey.objects.filter(exam=exam).values_list("version", flat=True)) == [2, 1]


def test_a_malformed_key_names_line_and_field_and_changes_nothing(exam):
    broken = KEY.replace(
        "points: 6\n        prompt: learnable", "points: six\n        prompt: learnable"
    )
    with pytest.raises(AnswerKeyError) as caught:
        answer_key_store(exam=exam, source=broken)
    assert any("line" in issue and "points" in issue for issue in caught.value.issues)
    assert AnswerKey.objects.filter(exam=exam).count() == 1
    assert exam.parts.get(part_id="2.a").max_points == Decimal(6)


def test_right_wrong_and_blank_answers_get_their_verdicts_and_points(cast, exam):
    got = _answers(
        cast,
        {
            "1.a": "per epoch 50000/250 = 200 steps, so epochs = 3000/200 = 15",
            "3.b": "-18",
            "1.b": "",
        },
    )
    assert (got["1.a"].verdict, got["1.a"].suggested_points) == ("correct", Decimal(5))
    assert got["3.b"].verdict == "incorrect"
    assert got["3.b"].diagnosis_code == "sign"
    assert got["3.b"].diagnosis  # words a student can read
    assert got["1.b"].verdict == "blank"
    assert got["4.a"].verdict == "blank"  # nothing written for it
    assert Score.objects.get(answer=got["1.a"]).points == Decimal(5)
    cast.submission.refresh_from_db()
    assert cast.submission.total_points == Decimal(5)
    assert got["1.a"].expected["steps"]  # the worked solution is stored for feedback


def test_equal_answers_share_a_group_key(cast, exam):
    first = _answers(cast, {"2.b": "62 x 62 x 16"})["2.b"]
    other_answer = Answer.objects.create(submission=cast.other_submission, part=first.part)
    checking.answer_set_text(
        submission=cast.other_submission,
        part=first.part,
        text="62x62x16",
        source=Transcription.Source.TYPED,
        engine="",
        confidence=1.0,
        actor=None,
    )
    checking.submission_check(submission=cast.other_submission)
    other_answer.refresh_from_db()
    assert first.group_key == other_answer.group_key != ""


def test_a_recheck_never_overwrites_a_persons_grade(cast, exam):
    answer = _answers(cast, {"3.b": "-18"})["3.b"]
    grading.score_set(answer=answer, actor=cast.ta.user, expected_version=1, points=Decimal(3))
    checking.submission_check(submission=cast.submission)
    assert Score.objects.get(answer=answer).points == Decimal(3)
    assert GradeEvent.objects.filter(answer=answer).count() == 2  # auto, then the TA


def test_rechecking_is_idempotent(cast, exam):
    _answers(cast, {"1.a": "15"})
    before = list(Answer.objects.filter(submission=cast.submission).values_list("pk", "verdict"))
    checking.submission_check(submission=cast.submission)
    assert (
        list(Answer.objects.filter(submission=cast.submission).values_list("pk", "verdict"))
        == before
    )
    assert (
        GradeEvent.objects.filter(
            answer__submission=cast.submission, answer__part__part_id="1.a"
        ).count()
        == 1
    )


def test_an_unexplained_wrong_value_read_by_ocr_goes_to_a_person(cast, exam):
    got = _answers(cast, {"2.a": "718058", "3.b": "-18"}, source=Transcription.Source.OCR)
    assert got["2.a"].verdict == "needs_review"  # maybe a misread 2
    assert got["2.a"].suggested_points is None
    assert got["3.b"].verdict == "incorrect"  # a sign error is not a misread


def test_a_ta_correction_rechecks_the_part(cast, exam):
    answer = _answers(cast, {"2.a": "718058"}, source=Transcription.Source.OCR)["2.a"]
    answer = checking.answer_correct_text(answer=answer, text="218058", actor=cast.ta.user)
    assert answer.verdict == "correct"
    assert answer.transcriptions.first().source == Transcription.Source.TYPED


def test_parts_on_an_unscanned_page_are_not_judged(cast, exam, media_root):
    from exams.models import Page, ScanBatch

    batch = ScanBatch.objects.create(
        exam=exam, file="scans/x.pdf", original_name="x.pdf", checksum="c" * 64, size_bytes=1
    )
    Page.objects.create(
        batch=batch,
        index_in_batch=0,
        status=Page.Status.PLACED,
        submission=cast.submission,
        page_number=1,
    )
    got = _answers(cast, {"1.a": "15"})  # page 1 scanned and read; page 2 never scanned
    assert got["1.a"].verdict == "correct"
    assert "3.a" not in got
    assert "1.b" not in got  # on page 1, but not read yet
    assert not Answer.objects.filter(submission=cast.submission, part__part_id="3.a").exists()


def test_checking_without_a_key_is_a_clear_error(cast):
    with pytest.raises(checking.NoAnswerKeyError, match="no answer key"):
        checking.submission_check(submission=cast.submission)


def test_ink_that_could_not_be_read_is_not_blank(cast, exam):
    part = exam.parts.get(part_id="1.a")
    checking.answer_set_text(
        submission=cast.submission,
        part=part,
        text="",
        source=Transcription.Source.OCR,
        engine="test",
        confidence=0.0,
        actor=None,
    )
    [answer] = [
        a for a in checking.submission_check(submission=cast.submission) if a.part_id == part.pk
    ]
    assert answer.verdict == "needs_review"
    assert answer.suggested_points is None


def test_an_ocr_read_with_no_answer_in_it_is_not_blank(cast, exam):
    # A confident read of letters where a number was written: 0 points would be wrong.
    got = _answers(cast, {"1.a": "Ebb", "1.b": ""}, source=Transcription.Source.OCR)
    assert got["1.a"].verdict == "needs_review"
    assert got["1.a"].suggested_points is None
    assert got["1.b"].verdict == "blank"  # nothing read: nothing written


def test_the_keys_regions_become_the_parts_answer_regions(exam):
    regions = {p.part_id: p.region for p in exam.parts.all()}
    assert regions == {
        pid: {"page": page, "box": list(box)} for pid, (page, box) in plan.REGIONS.items()
    }


def test_a_key_without_regions_keeps_the_regions_drawn_in_the_browser(exam):
    part = exam.parts.get(part_id="1.a")
    part.region = {"page": 1, "box": [0.2, 0.2, 0.4, 0.3]}
    part.save()
    without = "\n".join(line for line in KEY.split("\n") if "region:" not in line)
    answer_key_store(exam=exam, source=without.replace("key_version: 1", "key_version: 2"))
    part.refresh_from_db()
    assert part.region == {"page": 1, "box": [0.2, 0.2, 0.4, 0.3]}


def test_the_keys_rubric_items_are_installed_once(exam):
    from grading.models import RubricItem

    part = exam.parts.get(part_id="3.b")
    assert set(part.rubric_items.values_list("label", "points")) == {
        ("sign error", Decimal(-3)),
        ("chain rule: factor x missing", Decimal(-2)),
    }
    answer_key_store(exam=exam, source=KEY.replace("key_version: 1", "key_version: 2"))
    assert RubricItem.objects.filter(part=part).count() == 2


@pytest.mark.parametrize(
    ("sign", "verdict"),
    [("", "needs_review"), (",", "correct"), (".", "incorrect")],
)
def test_the_courses_decimal_sign_decides_what_1_386_means(cast, exam, sign, verdict):
    # 3.a is ln 4 = 1.386...: "1,386" is right with a decimal comma, 1386 with a point.
    course = cast.exam.course
    course.decimal_sign = sign
    course.save()
    assert _answers(cast, {"3.a": "L = 1,386"})["3.a"].verdict == verdict


def test_a_new_key_version_checks_a_copy_without_scans_again_at_once(cast, exam):
    assert _answers(cast, {"1.a": "15", "1.b": "78"})["1.a"].verdict == "correct"
    v2 = KEY.replace("key_version: 1", "key_version: 2").replace("steps: 3000}", "steps: 2400}")
    installed = answer_key_install(exam=exam, source=v2)
    assert (installed.parts_changed, installed.recheck.copies_checked) == ({"1.a"}, 1)
    answers = {a.part.part_id: a for a in cast.submission.answers.select_related("score", "part")}
    assert answers["1.a"].verdict == "incorrect"  # 12 epochs now
    assert answers["1.a"].score.points == 0
    assert {a.checked_with_key.version for a in answers.values()} == {2}


def test_a_persons_grade_whose_check_changed_stands_and_is_to_do_again(cast, exam):
    from grading import selectors

    answer = _answers(cast, {"1.a": "15"})["1.a"]
    version = Score.objects.get(answer=answer).version
    grading.score_set(
        answer=answer, actor=cast.ta.user, expected_version=version, points=Decimal(4)
    )
    assert selectors.review_queue(answer.part, "todo") == []
    _answers(cast, {"1.a": "12"})  # another reading of the answer: now incorrect
    score = Score.objects.get(answer=answer)
    assert (score.source, score.points) == (Score.Source.PERSON, Decimal(4))
    assert score.recheck.startswith("The automatic check changed after this grade")
    assert "was correct (5.00 points), it is incorrect (0.00 points); read now as '12'" in (
        score.recheck
    )
    assert [a.pk for a in selectors.review_queue(answer.part, "todo")] == [answer.pk]
    assert selectors.part_progress(exam)[answer.part_id]["todo"] == 1
    grading.score_set(
        answer=answer, actor=cast.ta.user, expected_version=score.version, points=Decimal(0)
    )
    assert Score.objects.get(answer=answer).recheck == ""
    assert selectors.review_queue(answer.part, "todo") == []


def _new_texts(cast, texts: dict[str, str]) -> list[checking.NewText]:
    parts = {p.part_id: p for p in cast.exam.parts.filter(part_id__in=texts)}
    return [checking.NewText(parts[pid], text, "test", 0.9) for pid, text in texts.items()]


def test_a_pages_texts_are_stored_together_new_and_existing_answers_alike(exam, cast):
    checking.answer_set_text(
        submission=cast.submission,
        part=exam.parts.get(part_id="1.b"),
        text="old",
        source=Transcription.Source.OCR,
        engine="test",
        confidence=0.9,
        actor=None,
    )
    answers = checking.answers_set_texts(
        submission=cast.submission,
        texts=_new_texts(cast, {"2.a": "60", "1.b": "12", "1.a": "15"}),
        source=Transcription.Source.OCR,
        actor=None,
    )
    assert [a.part.part_id for a in answers] == ["2.a", "1.b", "1.a"]
    stored = dict(
        Answer.objects.filter(submission=cast.submission).values_list(
            "part__part_id", "answer_text"
        )
    )
    assert stored == {"2.a": "60", "1.b": "12", "1.a": "15"}
    assert Transcription.objects.filter(answer__submission=cast.submission).count() == 4
    with pytest.raises(ValueError, match="one new text per part"):
        checking.answers_set_texts(
            submission=cast.submission,
            texts=_new_texts(cast, {"2.a": "1"}) * 2,
            source=Transcription.Source.OCR,
            actor=None,
        )


def test_an_answer_another_writer_creates_meanwhile_gets_the_new_text(exam, cast, monkeypatch):
    """Between the look-up and the insert, someone else creates one of the answers: the
    insert's conflict is caught, and that answer gets the text too; nothing is lost."""
    real = Answer.objects.bulk_create
    part = exam.parts.get(part_id="1.a")

    def racing(objs, **kwargs):
        if not kwargs.get("ignore_conflicts") and not Answer.objects.filter(part=part).exists():
            Answer.objects.create(submission=cast.submission, part=part, answer_text="theirs")
        return real(objs, **kwargs)

    monkeypatch.setattr(Answer.objects, "bulk_create", racing)
    answers = checking.answers_set_texts(
        submission=cast.submission,
        texts=_new_texts(cast, {"1.a": "15", "1.b": "12"}),
        source=Transcription.Source.OCR,
        actor=None,
    )
    assert [a.answer_text for a in answers] == ["15", "12"]
    assert all(a.pk for a in answers)
    stored = dict(
        Answer.objects.filter(submission=cast.submission).values_list(
            "part__part_id", "answer_text"
        )
    )
    assert stored == {"1.a": "15", "1.b": "12"}
    assert Transcription.objects.filter(answer__submission=cast.submission).count() == 2
