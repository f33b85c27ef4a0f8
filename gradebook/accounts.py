"""Accounts a person can sign in to: set-password (invitation) links and the form that sends
one again. Both apps use it; it is Django's password-reset machinery, made to also reach
accounts that were created without a password (a roster's students).

A link is ``/accounts/reset/<uid>/<token>/`` with a token of
``django.contrib.auth.tokens.default_token_generator``: it works once (setting the password
changes the hash the token is made of) and expires after ``PASSWORD_RESET_TIMEOUT``
(``INVITATION_DAYS`` days).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode


def set_password_url(user: User) -> str:
    """The user's link to choose a password (and so to activate an invited account), on the
    site as people reach it (``SITE_URL``)."""
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return settings.SITE_URL.rstrip("/") + path


class SetPasswordLinkForm(PasswordResetForm):
    """ "Forgot your password?" that also answers a student who never set one (Django's own
    form skips accounts with an unusable password, which is what an invitation creates)."""

    def get_users(self, email: str) -> Iterable[User]:
        return User.objects.filter(email__iexact=email, is_active=True)
