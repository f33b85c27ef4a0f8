"""The Celery application and the one task decorator every task of the project uses.

Tasks are an API: they take keyword-only ids, fetch, call a service and are safe to run twice.
``task`` sets ``acks_late`` with ``reject_on_worker_lost`` so a message whose worker dies is
redelivered (not lost), a queue, and time limits; bare ``shared_task`` is banned by ruff.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gradebook.settings")

app = Celery("gradebook")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

#: Queues: ``default`` for light database work, ``images`` for rasterising, QR and OCR.
DEFAULT_QUEUE = "default"
IMAGES_QUEUE = "images"

#: Task name -> queue, filled by :func:`task` and read by the router below.
_QUEUES: dict[str, str] = {}


def route_task(name: str, args: Any, kwargs: Any, options: Any, task: Any = None, **kw: Any) -> Any:
    """Celery router (``CELERY_TASK_ROUTES``): each task goes to the queue it declared."""
    queue = _QUEUES.get(name)
    return {"queue": queue} if queue else None


def task(
    *,
    queue: str = DEFAULT_QUEUE,
    soft_time_limit: int | None = None,
    time_limit: int | None = None,
    retry_on: tuple[type[BaseException], ...] = (),
    max_retries: int = 5,
) -> Callable[[Callable[..., Any]], Any]:
    """Register a project task with the house defaults.

    Time limits default to the project's (``CELERY_TASK_TIME_LIMIT``, which the visibility
    timeout must exceed); a task may only ask for less. ``retry_on`` names the *transient*
    errors that are retried with backoff (a database connection dropped, a storage timeout);
    everything else fails the task visibly.
    """

    def decorator(func: Callable[..., Any]) -> Any:
        name = f"{func.__module__}.{func.__name__}"
        _QUEUES[name] = queue
        limits = {
            k: v
            for k, v in (("soft_time_limit", soft_time_limit), ("time_limit", time_limit))
            if v is not None
        }
        return app.task(
            name=name,
            acks_late=True,
            reject_on_worker_lost=True,
            **limits,
            autoretry_for=retry_on,
            retry_backoff=True,
            retry_backoff_max=120,
            retry_jitter=True,
            max_retries=max_retries,
        )(func)

    return decorator
