"""Publishing shows what is unfinished and wants an explicit confirmation; unpublishing is
audited; students are emailed after the commit, and a mail failure loses no grade."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from exams.models import Exam, Page
from grading import notify, publishing, services
from grading.models import ExamEvent, Notification, RegradeRequest, Score
from tests import view_fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def graded(cast, media_root):
    """Alice's 1.b is auto-checked incorrect (a person must still look), Bob's correct;
    each copy has its one page scanned; 1.a was never read for either."""
    cast.exam.parts.filter(part_id="1.a").delete()
    answers = view_fixtures.graded_answers(cast)
    view_fixtures.scan_page(cast, submission=cast.submission, index=0)
    view_fixtures.scan_page(cast, submission=cast.other_submission, index=1)
    return answers


def _publish(client, cast, **data):
    return client.post(reverse("exam_publish", args=[cast.exam.pk]), data)


def _published(cast) -> bool:
    return Exam.objects.get(pk=cast.exam.pk).is_published


def test_the_publish_page_lists_what_is_unfinished(client, cast, graded):
    RegradeRequest.objects.create(
        answer=graded["right"], requested_by=cast.other_student.user, message="look"
    )
    cast.exam.pages_per_copy = 2
    cast.exam.save()
    client.force_login(cast.instructor.user)
    response = client.get(reverse("exam_publish", args=[cast.exam.pk]))
    assert response.status_code == 200
    readiness = response.context["readiness"]
    assert readiness.answers_to_do == 1
    assert readiness.missing_pages == {
        cast.submission.copy_number: [2],
        cast.other_submission.copy_number: [2],
    }
    assert readiness.open_regrades == 1
    assert readiness.unfinished == 4
    page = response.content.decode()
    assert 'id="unfinished-answers"' in page
    assert 'id="unfinished-missing"' in page
    assert 'name="unfinished" value="4"' in page
    assert not _published(cast)


def test_a_half_graded_exam_is_not_published_without_the_confirmation(client, cast, graded):
    client.force_login(cast.instructor.user)
    assert _publish(client, cast, unfinished=1).status_code == 400  # no confirmation
    assert _publish(client, cast).status_code == 400
    assert not _published(cast)
    assert not ExamEvent.objects.exists()


def test_a_confirmation_of_less_than_is_unfinished_is_refused(client, cast, graded):
    """The page was loaded before the last upload: what was confirmed is not what is there."""
    client.force_login(cast.instructor.user)
    response = _publish(client, cast, confirm="on", unfinished=0)
    assert response.status_code == 409
    assert "changed since" in response.content.decode()
    assert not _published(cast)


def test_a_confirmed_publication_is_audited_and_emails_the_students_after_commit(
    client, cast, graded, django_capture_on_commit_callbacks
):
    client.force_login(cast.instructor.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = _publish(client, cast, confirm="on", unfinished=1)
    assert response.status_code == 302
    assert _published(cast)
    event = ExamEvent.objects.get(exam=cast.exam)
    assert (event.action, event.actor) == (ExamEvent.Action.PUBLISH, cast.instructor.user)
    assert event.detail["unfinished"]["answers_to_do"] == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "bob@example.org"]
    alice = next(m for m in mail.outbox if m.to == ["alice@example.org"])
    assert reverse("submission_detail", args=[cast.submission.pk]) in alice.body
    assert "Your total is not final yet (auto-check points to confirm: 1.b)" in alice.body
    bob = next(m for m in mail.outbox if m.to == ["bob@example.org"])
    assert "not final" not in bob.body
    assert Notification.objects.filter(sent_at__isnull=True).count() == 0


def test_a_complete_exam_publishes_with_the_confirmation_alone(client, cast, graded):
    wrong = graded["wrong"]
    version = Score.objects.get(answer=wrong).version
    services.answer_grade(
        answer=wrong, actor=cast.ta.user, expected_version=version, points=Decimal(1)
    )
    assert publishing.publish_readiness(cast.exam).complete
    client.force_login(cast.instructor.user)
    assert (
        "readiness-complete"
        in client.get(reverse("exam_publish", args=[cast.exam.pk])).content.decode()
    )
    assert _publish(client, cast, confirm="on").status_code == 302
    assert _published(cast)


def test_a_mail_server_down_loses_no_grade_and_the_mail_is_sent_later(
    cast, graded, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    with django_capture_on_commit_callbacks(execute=True):
        publishing.exam_publish(exam=cast.exam, actor=cast.instructor.user, confirmed_unfinished=1)
    assert _published(cast)
    unsent = Notification.objects.filter(sent_at__isnull=True)
    assert unsent.count() == 2
    assert all(n.attempts == 1 and n.last_error for n in unsent)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notify.notifications_send() == (2, 0)
    assert notify.notifications_send() == (0, 0)  # nothing sent twice
    assert len(mail.outbox) == 2


def test_the_instructor_unpublishes_and_it_is_audited(client, cast, graded):
    publishing.exam_publish(exam=cast.exam, actor=cast.instructor.user, confirmed_unfinished=1)
    client.force_login(cast.student.user)
    copy = reverse("submission_detail", args=[cast.submission.pk])
    assert client.get(copy).status_code == 200
    client.force_login(cast.instructor.user)
    url = reverse("exam_unpublish", args=[cast.exam.pk])
    assert client.post(url, {"reason": "1.b key was wrong"}).status_code == 302
    assert Exam.objects.get(pk=cast.exam.pk).status == Exam.Status.GRADING
    event = ExamEvent.objects.filter(exam=cast.exam).last()
    assert (event.action, event.detail["reason"]) == (
        ExamEvent.Action.UNPUBLISH,
        "1.b key was wrong",
    )
    with pytest.raises(TypeError, match="exam events are append-only"):
        event.save()
    with pytest.raises(TypeError, match="exam events are append-only"):
        ExamEvent.objects.filter(pk=event.pk).delete()
    client.force_login(cast.student.user)
    assert client.get(copy).status_code == 404
    client.force_login(cast.instructor.user)  # the publish page shows the history
    page = client.get(reverse("exam_publish", args=[cast.exam.pk])).content.decode()
    assert "Grades unpublished by Ines Tester: “1.b key was wrong”" in page


@pytest.mark.parametrize("name", ["exam_publish", "exam_unpublish"])
def test_publication_is_for_the_instructor_only(client, cast, name):
    url = reverse(name, args=[cast.exam.pk])
    for user in (cast.ta.user, cast.student.user, cast.other_ta.user):
        client.force_login(user)
        assert client.post(url, {"confirm": "on"}).status_code == 404
        assert client.get(url).status_code in (404, 405)
    client.force_login(cast.instructor.user)
    assert client.put(url).status_code == 405
    assert not _published(cast)


def test_unpublish_is_post_only(client, cast):
    client.force_login(cast.instructor.user)
    assert client.get(reverse("exam_unpublish", args=[cast.exam.pk])).status_code == 405


def test_the_student_is_told_that_a_partial_total_is_not_final(client, cast, graded):
    publishing.exam_publish(exam=cast.exam, actor=cast.instructor.user, confirmed_unfinished=1)
    client.force_login(cast.student.user)
    page = client.get(reverse("submission_detail", args=[cast.submission.pk])).content.decode()
    assert 'id="total-not-final"' in page
    assert "not yet confirmed by a grader: 1.b" in page
    client.force_login(cast.other_student.user)  # Bob's only part is correct: final
    page = client.get(
        reverse("submission_detail", args=[cast.other_submission.pk])
    ).content.decode()
    assert 'id="total-note"' not in page


def test_a_missing_page_and_an_ungraded_part_are_said(client, cast, media_root):
    cast.exam.pages_per_copy = 2
    cast.exam.save()
    view_fixtures.scan_page(cast, submission=cast.submission, index=0)
    publishing.exam_publish(
        exam=cast.exam,
        actor=cast.instructor.user,
        confirmed_unfinished=publishing.publish_readiness(cast.exam).unfinished,
    )
    client.force_login(cast.student.user)
    page = client.get(reverse("submission_detail", args=[cast.submission.pk])).content.decode()
    assert "2 parts not graded yet, counted as 0: 1.a, 1.b" in page
    assert "Page 2 of this copy was not scanned" in page


def test_answering_a_regrade_emails_the_student(cast, graded, django_capture_on_commit_callbacks):
    request = RegradeRequest.objects.create(
        answer=graded["wrong"], requested_by=cast.student.user, message="I wrote 78"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.regrade_request_resolve(
            request=request, actor=cast.ta.user, response="Agreed: 78."
        )
    (message,) = mail.outbox
    assert message.to == ["alice@example.org"]
    assert "Agreed: 78." in message.body
    assert "regrade request for 1.b" in message.subject
    assert Score.objects.filter(answer=graded["wrong"]).exists()


def test_the_command_sends_what_is_left_and_says_what_failed(cast, graded, settings):
    from io import StringIO

    from django.core.management import call_command

    publishing.exam_publish(exam=cast.exam, actor=cast.instructor.user, confirmed_unfinished=1)
    out = StringIO()
    call_command("notifications_send", stdout=out)  # on_commit never ran: both are left
    assert out.getvalue().strip() == "sent 2, failed 0, still unsent 0"
    call_command("notifications_send", stdout=out)
    assert len(mail.outbox) == 2


def test_pages_the_pipeline_has_not_read_yet_are_unfinished(client, cast, media_root):
    """A page placed but not read (the key is missing, or the worker is on it): its answers
    do not exist yet, so a publication now would show the student nothing for them."""
    page = view_fixtures.scan_page(cast, submission=cast.submission, index=0)
    Page.objects.filter(pk=page.pk).update(stage=Page.Stage.PLACED)
    readiness = publishing.publish_readiness(cast.exam)
    assert readiness.processing == 1
    client.force_login(cast.instructor.user)
    page_html = client.get(reverse("exam_publish", args=[cast.exam.pk])).content.decode()
    assert "1 scanned page still being processed" in page_html
    assert (
        _publish(client, cast, confirm="on", unfinished=readiness.unfinished - 1).status_code == 409
    )
    assert not _published(cast)
