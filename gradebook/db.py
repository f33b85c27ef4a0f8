"""Database helpers shared by both apps' services."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

#: PostgreSQL's SQLSTATE for a unique violation; SQLite says it in words.
_UNIQUE_VIOLATION = "23505"


def is_unique_violation(exc: IntegrityError) -> bool:
    """True when ``exc`` is a unique constraint refusing a duplicate row."""
    cause = exc.__cause__
    if getattr(cause, "pgcode", None) == _UNIQUE_VIOLATION:
        return True
    return "UNIQUE constraint failed" in str(exc)


@contextmanager
def refuse_duplicate(message: Any) -> Iterator[None]:
    """Run the block in a savepoint; a unique constraint it hits becomes ``ValidationError(
    message)``, the answer an earlier check gives when the other row is already there.

    Two identical requests at the same moment (a double click, a retried POST) both pass the
    check, and the database lets one through: the other gets a clear answer, not a 500. Other
    integrity errors are not a duplicate and propagate.
    """
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        if not is_unique_violation(exc):
            raise
        raise ValidationError(message) from exc
