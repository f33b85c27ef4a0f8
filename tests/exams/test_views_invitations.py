"""Students added by the roster can sign in: an invitation with a set-password link is
emailed after the import, the link sets the password once, the sign-in page sends a new one,
the course page sends them again, and manage.py prints them."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from gradebook.accounts import set_password_url

pytestmark = pytest.mark.django_db

ROSTER = b"name,student number,email\nDana Diaz,20260001,dana@example.org\nEli Ek,20260002,eli@example.org\n"
LINK = re.compile(r"https?://\S+/accounts/reset/\S+/")


def _import(client, cast, captured):
    client.force_login(cast.instructor.user)
    with captured(execute=True):
        response = client.post(
            reverse("roster_import", args=[cast.course.pk]),
            {"file": SimpleUploadedFile("roster.csv", ROSTER, content_type="text/csv")},
        )
    assert response.status_code == 200
    return response


def _set_password(client, url: str, password: str):
    path = url.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path)  # Django swaps the token for a session, then redirects
    if response.status_code != 302:
        return response
    return client.post(response["Location"], {"new_password1": password, "new_password2": password})


def test_an_imported_student_is_invited_and_signs_in_with_the_link(
    client, cast, django_capture_on_commit_callbacks
):
    response = _import(client, cast, django_capture_on_commit_callbacks)
    assert "2 new students emailed an invitation" in response.content.decode()
    dana = User.objects.get(email="dana@example.org")
    assert not dana.has_usable_password()
    message = next(m for m in mail.outbox if m.to == ["dana@example.org"])
    assert cast.course.code in message.subject
    url = LINK.search(message.body).group(0)
    client.logout()
    done = _set_password(client, url, "a-long-passphrase-26")
    assert done.status_code == 302
    assert done["Location"] == reverse("password_reset_complete")
    assert client.login(username="dana@example.org", password="a-long-passphrase-26")
    client.logout()
    again = _set_password(client, url, "another-passphrase-27")  # a link works once
    assert "link-invalid" in again.content.decode()


def test_an_invited_student_who_lost_the_email_asks_for_a_new_link(
    client, cast, django_capture_on_commit_callbacks
):
    _import(client, cast, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    client.logout()
    assert 'id="set-password-link"' in client.get(reverse("login")).content.decode()
    response = client.post(reverse("password_reset"), {"email": "ELI@example.org"})
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == ["eli@example.org"]
    assert "/accounts/reset/" in message.body


def test_the_course_page_sends_the_invitations_again(
    client, cast, django_capture_on_commit_callbacks
):
    _import(client, cast, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    page = client.get(reverse("course_detail", args=[cast.course.pk])).content.decode()
    assert "2 students of the roster have not set a password yet" in page
    assert page.count("invited, no password yet") == 2
    response = client.post(reverse("roster_invite", args=[cast.course.pk]))
    assert response.status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == ["dana@example.org", "eli@example.org"]


def test_sending_invitations_is_for_the_instructor_and_post_only(client, cast):
    url = reverse("roster_invite", args=[cast.course.pk])
    for user in (cast.ta.user, cast.student.user, cast.other_ta.user):
        client.force_login(user)
        assert client.post(url).status_code == 404
    client.force_login(cast.instructor.user)
    assert client.get(url).status_code == 405
    assert mail.outbox == []


def test_the_command_prints_the_links_of_who_has_no_password(
    client, cast, django_capture_on_commit_callbacks
):
    _import(client, cast, django_capture_on_commit_callbacks)
    out = StringIO()
    call_command("invitation_links", "--course", str(cast.course.pk), stdout=out)
    lines = out.getvalue().splitlines()
    assert [line.split("\t")[:2] for line in lines] == [
        ["20260001", "dana@example.org"],
        ["20260002", "eli@example.org"],
    ]
    dana = User.objects.get(email="dana@example.org")
    uid = set_password_url(dana).rsplit("/", 3)[-3]
    assert f"/accounts/reset/{uid}/" in lines[0].split("\t")[2]
    with pytest.raises(CommandError, match="no course"):
        call_command("invitation_links", "--course", "999999", stdout=StringIO())
