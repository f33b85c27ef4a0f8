"""The "needs attention" list and its actions: place, discard, identify; thumbnails."""

from __future__ import annotations

import pytest
from django.urls import reverse

from exams.models import Page, Role, Submission
from tests import factories, view_fixtures

pytestmark = pytest.mark.django_db


def test_the_list_shows_stray_pages_missing_pages_and_unidentified_copies(client, cast, stray):
    cast.exam.pages_per_copy = 2
    cast.exam.save()
    anonymous = factories.submission(cast.exam)
    view_fixtures.scan_page(cast, submission=anonymous, page_number=2, index=4)
    client.force_login(cast.instructor.user)
    response = client.get(reverse("exam_attention", args=[cast.exam.pk]))
    assert response.status_code == 200
    summary = response.context["summary"]
    assert [p.pk for p in summary.pages] == [stray.pk]
    assert summary.missing == {anonymous.copy_number: [1]}
    assert [s.pk for s in summary.unidentified] == [anonymous.pk]
    body = response.content.decode()
    assert "no QR code found" in body
    assert reverse("page_thumbnail", args=[stray.pk]) in body


def test_placing_a_page_by_hand(client, cast, stray):
    client.force_login(cast.instructor.user)
    response = client.post(
        reverse("page_place", args=[stray.pk]),
        {"copy_number": cast.submission.copy_number, "page_number": 1},
    )
    assert response.status_code == 302
    stray.refresh_from_db()
    assert (stray.status, stray.submission, stray.page_number) == ("placed", cast.submission, 1)


def test_discarding_a_page(client, cast, stray):
    client.force_login(cast.instructor.user)
    response = client.post(reverse("page_discard", args=[stray.pk]), {"reason": "blank sheet"})
    assert response.status_code == 302
    stray.refresh_from_db()
    assert stray.status == "discarded"
    assert "blank sheet" in stray.attention_reason


def test_identifying_a_copy(client, cast, media_root):
    newcomer = factories.enroll(cast.course, factories.user("nina"), Role.STUDENT)
    anonymous = factories.submission(cast.exam)
    client.force_login(cast.instructor.user)
    response = client.post(
        reverse("submission_identify", args=[anonymous.pk]), {"student": ["", str(newcomer.pk)]}
    )
    assert response.status_code == 302
    anonymous.refresh_from_db()
    assert (anonymous.student, anonymous.identified_by) == (newcomer, "person")


def test_a_student_of_another_course_is_refused(client, cast):
    anonymous = factories.submission(cast.exam)
    client.force_login(cast.instructor.user)
    client.post(
        reverse("submission_identify", args=[anonymous.pk]),
        {"student": str(cast.outsider_student.pk)},
    )
    assert Submission.objects.get(pk=anonymous.pk).student is None


def test_attention_views_are_for_the_instructor_only(client, cast, stray):
    anonymous = factories.submission(cast.exam)
    for user in (cast.ta.user, cast.student.user, cast.other_ta.user):
        client.force_login(user)
        assert client.get(reverse("exam_attention", args=[cast.exam.pk])).status_code == 404
        assert (
            client.post(
                reverse("page_place", args=[stray.pk]), {"copy_number": 1, "page_number": 1}
            ).status_code
            == 404
        )
        assert client.post(reverse("page_discard", args=[stray.pk])).status_code == 404
        assert (
            client.post(
                reverse("submission_identify", args=[anonymous.pk]), {"student": cast.student.pk}
            ).status_code
            == 404
        )
    assert Page.objects.get(pk=stray.pk).status == "needs_attention"


def test_attention_views_reject_the_wrong_method(client, cast, stray):
    client.force_login(cast.instructor.user)
    assert client.post(reverse("exam_attention", args=[cast.exam.pk])).status_code == 405
    assert client.get(reverse("page_place", args=[stray.pk])).status_code == 405
    assert client.get(reverse("page_discard", args=[stray.pk])).status_code == 405
    assert client.get(reverse("submission_identify", args=[cast.submission.pk])).status_code == 405
    assert client.post(reverse("page_thumbnail", args=[stray.pk])).status_code == 405


def test_thumbnails_are_for_staff(client, cast, stray):
    client.force_login(cast.ta.user)
    response = client.get(reverse("page_thumbnail", args=[stray.pk]))
    assert response.status_code == 200
    assert response.content.startswith(b"\x89PNG")
    for user in (cast.student.user, cast.other_ta.user):
        client.force_login(user)
        assert client.get(reverse("page_thumbnail", args=[stray.pk])).status_code == 404


def test_pages_not_processed_yet_are_not_called_missing(client, cast, stray):
    from django.utils import timezone

    from exams.models import ScanBatch

    cast.exam.pages_per_copy = 2
    cast.exam.save()
    copy = factories.submission(cast.exam)
    view_fixtures.scan_page(cast, submission=copy, page_number=2, index=4)
    batch = ScanBatch.objects.create(
        exam=cast.exam,
        original_name="tray2.pdf",
        checksum="b" * 64,
        size_bytes=1,
        status=ScanBatch.Status.PROCESSING,
    )
    waiting = view_fixtures.scan_page(
        cast, submission=None, page_number=None, status=Page.Status.PENDING, index=9
    )
    Page.objects.filter(pk=waiting.pk).update(batch=batch, due_at=timezone.now())
    client.force_login(cast.instructor.user)
    response = client.get(reverse("exam_attention", args=[cast.exam.pk]))
    summary = response.context["summary"]
    assert [p.batch.pk for p in summary.unprocessed] == [batch.pk]
    assert summary.to_place == 1
    body = response.content.decode()
    assert "Not processed yet" in body
    assert "1 to place" in body
    assert "pages not placed yet" in body
    assert "pages missing" not in body
    count_while_processing = summary.count

    Page.objects.filter(pk=waiting.pk).update(status=Page.Status.DISCARDED, stage="settled")
    ScanBatch.objects.filter(pk=batch.pk).update(status=ScanBatch.Status.DONE)
    response = client.get(reverse("exam_attention", args=[cast.exam.pk]))
    assert "Copies with pages missing (1)" in response.content.decode()
    assert response.context["summary"].count == count_while_processing + 1


# --- Pages set aside in bulk: a stack of blank sheets, another exam's pages ------------------


def _set_aside(cast, name: str, reason: str, count: int, exam=None) -> list[Page]:
    from exams.models import ScanBatch

    batch = ScanBatch.objects.create(
        exam=exam or cast.exam,
        original_name=name,
        checksum=name.ljust(64, "0")[:64],
        size_bytes=1,
        status=ScanBatch.Status.DONE,
    )
    Page.objects.bulk_create(
        Page(
            batch=batch,
            index_in_batch=i,
            status=Page.Status.NEEDS_ATTENTION,
            stage=Page.Stage.SETTLED,
            attention_reason=reason,
        )
        for i in range(count)
    )
    return list(Page.objects.filter(batch=batch).order_by("index_in_batch"))


BLANK = "no QR code found on the page"


def test_a_thousand_blank_pages_are_one_group_with_one_discard(client, cast, stray):
    _set_aside(cast, "blank.pdf", BLANK, 1000)
    other = _set_aside(cast, "other.pdf", "this page belongs to another exam (code ABCD1234)", 3)
    client.force_login(cast.instructor.user)
    response = client.get(reverse("exam_attention", args=[cast.exam.pk]))
    body = response.content.decode()
    assert response.context["summary"].count == 1004
    assert [(g.batch.original_name, g.count) for g in response.context["summary"].page_groups] == [
        ("stack.pdf", 1),
        ("blank.pdf", 1000),
        ("other.pdf", 3),
    ]
    assert "1000 pages of blank.pdf" in body
    assert "Discard all 1000" in body
    assert "Discard all 3" in body
    # One page at a time only for the first few of a group: not a thousand thumbnails.
    assert body.count('class="attention-row"') == 1 + 12 + 3
    assert body.count(reverse("page_discard", args=[other[0].pk])) == 1


def test_discarding_a_group_discards_it_up_to_the_last_page_listed(client, cast, stray):
    blank = _set_aside(cast, "blank.pdf", BLANK, 1000)
    seen = max(p.pk for p in blank)
    later = Page.objects.create(
        batch=blank[0].batch,
        index_in_batch=1000,
        status=Page.Status.NEEDS_ATTENTION,
        stage=Page.Stage.SETTLED,
        attention_reason=BLANK,
    )
    elsewhere = _set_aside(cast, "blank2.pdf", BLANK, 2, exam=factories.exam(cast.course))
    client.force_login(cast.instructor.user)
    data = {"batch": blank[0].batch_id, "reason": BLANK, "up_to": seen, "note": "blank sheets"}
    response = client.post(reverse("pages_discard", args=[cast.exam.pk]), data)
    assert response.status_code == 302
    discarded = Page.objects.filter(batch=blank[0].batch, status=Page.Status.DISCARDED)
    assert discarded.count() == 1000
    assert discarded.first().attention_reason == ("blank sheets (discarded with its group by ines)")
    assert Page.objects.get(pk=later.pk).status == Page.Status.NEEDS_ATTENTION  # not seen yet
    assert Page.objects.get(pk=stray.pk).status == Page.Status.NEEDS_ATTENTION  # other reason
    # Another exam's batch id posted here discards nothing of it.
    data["batch"] = elsewhere[0].batch_id
    client.post(reverse("pages_discard", args=[cast.exam.pk]), data)
    assert not Page.objects.filter(batch=elsewhere[0].batch, status="discarded").exists()


def test_the_group_discard_is_for_the_instructor_only_and_post_only(client, cast, stray):
    data = {"batch": stray.batch_id, "reason": stray.attention_reason, "up_to": stray.pk}
    url = reverse("pages_discard", args=[cast.exam.pk])
    for user in (cast.ta.user, cast.student.user, cast.other_ta.user):
        client.force_login(user)
        assert client.post(url, data).status_code == 404
    client.force_login(cast.instructor.user)
    assert client.get(url).status_code == 405
    assert Page.objects.get(pk=stray.pk).status == Page.Status.NEEDS_ATTENTION
    response = client.post(url, {**data, "up_to": "NaN"})
    assert response.status_code == 302
    assert Page.objects.get(pk=stray.pk).status == Page.Status.NEEDS_ATTENTION
