"""System checks of settings that must agree with each other (``manage.py check``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Warning, register


@register()
def check_task_time_limits(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """A task that outlives the broker's visibility timeout is delivered a second time while
    it still runs; a split slice longer than the soft time limit is cut short every time."""
    problems = []
    limit = settings.CELERY_TASK_TIME_LIMIT
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    if not settings.CELERY_TASK_ALWAYS_EAGER and visibility < 1.1 * limit:
        problems.append(
            Warning(
                f"CELERY_VISIBILITY_TIMEOUT ({visibility} s) is not above the tasks' time limit "
                f"(CELERY_TASK_TIME_LIMIT, {limit} s): a long task is delivered twice.",
                hint=f"Set CELERY_VISIBILITY_TIMEOUT to {int(1.2 * limit)} or more.",
                id="gradebook.W001",
            )
        )
    if settings.PIPELINE_SPLIT_SLICE_SECONDS >= settings.CELERY_TASK_SOFT_TIME_LIMIT:
        problems.append(
            Warning(
                "PIPELINE_SPLIT_SLICE_SECONDS is not below the soft time limit: a split of a "
                "long file never finishes a slice.",
                hint="Keep it at half of CELERY_TASK_TIME_LIMIT or less.",
                id="gradebook.W002",
            )
        )
    return problems
