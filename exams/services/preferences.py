"""A user's own settings for the pages: written by the user alone, for every course."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from exams.models import UserPreference


@transaction.atomic
def preference_set_shortcuts(*, user: User, enabled: bool) -> UserPreference:
    """Turn the user's single-key shortcuts on or off (idempotent)."""
    preference, _ = UserPreference.objects.select_for_update().get_or_create(user=user)
    preference.shortcuts_off = not enabled
    preference.full_clean()
    preference.save(update_fields=["shortcuts_off"])
    return preference
