"""The TA review page and the instructor statistics page run a bounded number of SQL queries,
the same with 50 and with 500 students (data made with bulk_create to stay fast)."""

from __future__ import annotations

import os
import statistics
import time
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from exams.models import Answer, Enrollment, Role, Submission
from grading.models import RegradeRequest, RubricItem, Score

pytestmark = pytest.mark.django_db
User = get_user_model()
MAX_QUERIES = 30
VERDICTS = ["needs_review", "incorrect", "partial", "correct", "blank", "correct", "incorrect"]
KEYS = ["78", "79", "80", "(blank)", "77"]


def populate(cast, n: int, start: int = 0) -> None:
    """Add students ``start`` .. ``start + n - 1`` with a copy, answers, scores, rubric use."""
    users = User.objects.bulk_create(
        [
            User(username=f"bulk{i}", email=f"b{i}@example.org", password="!")
            for i in range(start, start + n)
        ]
    )
    enrollments = Enrollment.objects.bulk_create(
        [
            Enrollment(
                course=cast.course, user=u, role=Role.STUDENT, student_number=f"9{start + i:07d}"
            )
            for i, u in enumerate(users)
        ]
    )
    submissions = Submission.objects.bulk_create(
        [
            Submission(
                exam=cast.exam, copy_number=10_000 + start + i, student=e, total_points=i % 10
            )
            for i, e in enumerate(enrollments)
        ]
    )
    parts = list(cast.exam.parts.all())
    answers = Answer.objects.bulk_create(
        [
            Answer(
                submission=s,
                part=p,
                answer_text=KEYS[i % 5],
                final_answer=KEYS[i % 5],
                group_key=KEYS[i % 5],
                verdict=VERDICTS[i % 7],
                suggested_points=Decimal(i % 4),
                diagnosis="you rounded the other way" if i % 5 == 1 else "",
                expected={"display": "78", "latex": "78", "steps": [{"text": "s", "latex": "s"}]},
            )
            for i, s in enumerate(submissions)
            for p in parts
        ]
    )
    scores = Score.objects.bulk_create(
        [
            Score(
                answer=a,
                points=Decimal(i % 4),
                source="person" if i % 3 == 0 else "auto",
                graded_by=cast.ta.user if i % 3 == 0 else None,
                version=1,
            )
            for i, a in enumerate(answers)
        ]
    )
    for p in parts:
        item, _ = RubricItem.objects.get_or_create(
            part=p, label="rounding", defaults={"points": Decimal(-1)}
        )
        through = Score.rubric_items.through
        through.objects.bulk_create(
            [through(score=s, rubricitem=item) for s in scores[::7] if s.answer.part_id == p.pk]
        )
    RegradeRequest.objects.bulk_create(
        [
            RegradeRequest(answer=a, requested_by=cast.student.user, message="again")
            for a in answers[::50]
        ]
    )


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def p50_ms(client, url: str, runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


@pytest.fixture
def counts(cast, client):
    """Query counts of both pages at 50 and 500 students."""
    part = cast.exam.parts.get(part_id="1.b")
    urls = {
        "review": reverse("review", args=[part.pk]) + "?filter=all",
        "stats": reverse("exam_stats", args=[cast.exam.pk]),
    }
    out: dict[tuple[str, int], int] = {}
    total = 0
    for n in (50, 500):
        populate(cast, n - total, start=total)
        total = n
        for name, url in urls.items():
            client.force_login(cast.ta.user if name == "review" else cast.instructor.user)
            out[(name, n)] = count_queries(client, url)
            if os.environ.get("GRADEBOOK_REPORT_TIMINGS"):
                print(
                    f"\n{name} at {n} students: {out[(name, n)]} queries, p50 {p50_ms(client, url):.1f} ms"
                )
    return out


def test_review_and_statistics_pages_do_not_grow_with_the_class(
    counts, django_assert_max_num_queries
):
    for (name, n), count in counts.items():
        assert count <= MAX_QUERIES, (name, n, count)
    assert counts[("review", 50)] == counts[("review", 500)]
    assert counts[("stats", 50)] == counts[("stats", 500)]


@pytest.mark.parametrize("n", [50, 500])
def test_the_review_page_stays_under_the_bound(cast, client, n, django_assert_max_num_queries):
    populate(cast, n)
    part = cast.exam.parts.get(part_id="1.b")
    client.force_login(cast.ta.user)
    first = Answer.objects.filter(part=part, verdict="needs_review").first()
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(reverse("review", args=[part.pk]) + f"?answer={first.pk}")
    assert response.status_code == 200
    assert len(response.context["queue"]) > n // 3
    assert len(response.context["window"]) <= 80  # the side list is a window, not the class


@pytest.mark.parametrize("n", [50, 500])
def test_the_statistics_page_stays_under_the_bound(cast, client, n, django_assert_max_num_queries):
    populate(cast, n)
    client.force_login(cast.instructor.user)
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(reverse("exam_stats", args=[cast.exam.pk]))
    assert response.status_code == 200
    assert response.context["total"].n == n


def populate_scans(cast, n: int, start: int = 0) -> None:
    """What grows with the class on the scan side: per 10 students, an unidentified copy with
    a placed page and its transcription, and a page waiting for a person on its copy."""
    from exams.models import Page, ScanBatch, Transcription

    batch, _ = ScanBatch.objects.get_or_create(
        exam=cast.exam,
        checksum="b" * 64,
        defaults={"original_name": "stack.pdf", "size_bytes": 1, "status": "done"},
    )
    copies = Submission.objects.bulk_create(
        [Submission(exam=cast.exam, copy_number=50_000 + i) for i in range(start, start + n, 10)]
    )
    pages = Page.objects.bulk_create(
        [
            Page(
                batch=batch,
                index_in_batch=2 * k,
                status=Page.Status.PLACED,
                stage=Page.Stage.CHECKED,
                submission=s,
                page_number=1,
            )
            for k, s in ((s.copy_number, s) for s in copies)
        ]
        + [
            Page(
                batch=batch,
                index_in_batch=2 * s.copy_number + 1,
                status=Page.Status.NEEDS_ATTENTION,
                stage=Page.Stage.SETTLED,
                submission=s,
                page_number=2,
                attention_reason="a page fed twice",
            )
            for s in copies
        ]
    )
    Transcription.objects.bulk_create(
        [
            Transcription(page=p, submission=p.submission, text="Student number 12345678")
            for p in pages
            if p.status == Page.Status.PLACED
        ]
    )


#: Every staff page, by URL name, the user who opens it and its arguments.
STAFF_PAGES = {
    "exam_detail": ("instructor", lambda c, part: [c.exam.pk]),
    "exam_attention": ("instructor", lambda c, part: [c.exam.pk]),
    "exam_regions": ("instructor", lambda c, part: [c.exam.pk]),
    "exam_stats": ("instructor", lambda c, part: [c.exam.pk]),
    "export_scores": ("instructor", lambda c, part: [c.exam.pk]),
    "export_gradebook": ("instructor", lambda c, part: [c.exam.pk]),
    "review": ("ta", lambda c, part: [part.pk]),
    "groups": ("ta", lambda c, part: [part.pk]),
    "rubric": ("instructor", lambda c, part: [part.pk]),
    "submission_detail": ("ta", lambda c, part: [c.submission.pk]),
}


def test_no_staff_page_runs_more_queries_for_more_students(cast, client):
    """An N+1 query on any staff page makes its count grow from 50 to 200 students."""
    part = cast.exam.parts.get(part_id="1.b")
    part.region = {"page": 1, "box": [0.1, 0.2, 0.6, 0.4]}
    part.save(update_fields=["region"])
    counts: dict[str, list[int]] = {name: [] for name in STAFF_PAGES}
    total = 0
    for n in (50, 200):
        populate(cast, n - total, start=total)
        populate_scans(cast, n - total, start=total)
        total = n
        for name, (role, args) in STAFF_PAGES.items():
            client.force_login(getattr(cast, role).user)
            counts[name].append(count_queries(client, reverse(name, args=args(cast, part))))
    grew = {name: c for name, c in counts.items() if c[0] != c[1]}
    assert not grew, f"query counts at 50 and 200 students: {grew}"
    assert all(c[0] <= MAX_QUERIES for c in counts.values()), counts
