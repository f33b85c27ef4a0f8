"""The user's single-key shortcuts switch: on, off, kept with the account."""

from __future__ import annotations

import pytest
from django.urls import reverse

from exams.models import UserPreference

pytestmark = pytest.mark.django_db

URL = reverse("shortcuts_set")


def test_it_turns_the_shortcuts_off_and_back_on_for_the_user(client, cast):
    ta = cast.ta.user
    client.force_login(ta)
    review = reverse("exam_detail", args=[cast.exam.pk])
    response = client.post(URL, {"enabled": "off", "next": review})
    assert response.status_code == 302
    assert response["Location"] == review
    assert UserPreference.objects.get(user=ta).shortcuts_off
    # Every page says so to its scripts.
    assert b'data-shortcuts="off"' in client.get(review).content
    client.post(URL, {"enabled": "on"})
    assert not UserPreference.objects.get(user=ta).shortcuts_off
    assert UserPreference.objects.count() == 1
    assert b'data-shortcuts="on"' in client.get(review).content


def test_shortcuts_are_on_for_a_user_who_never_chose(client, cast):
    client.force_login(cast.student.user)
    assert b'data-shortcuts="on"' in client.get(reverse("home")).content
    assert not UserPreference.objects.exists()


def test_it_refuses_a_value_that_is_neither_on_nor_off(client, cast):
    client.force_login(cast.ta.user)
    response = client.post(URL, {"enabled": "maybe"}, follow=True)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not UserPreference.objects.exists()


def test_it_goes_back_only_to_this_site(client, cast):
    client.force_login(cast.ta.user)
    response = client.post(URL, {"enabled": "off", "next": "https://elsewhere.example/"})
    assert response["Location"] == reverse("home")


def test_it_requires_a_login(client):
    response = client.post(URL, {"enabled": "off"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not UserPreference.objects.exists()


def test_it_rejects_get(client, cast):
    client.force_login(cast.ta.user)
    assert client.get(URL).status_code == 405
