"""Stored files that no row refers to: what a process killed between writing a file and
committing its row leaves behind (a scan, a page image), found and removed.

Failed batches remove their own file (``exams.pipeline.upload``), uploads in progress leave none
(``gradebook.uploads``); this sweep is for what dies between the two writes. Only the folders
the pipeline writes are swept, and only files older than ``min_age`` (a file younger may
belong to an upload whose transaction has not committed yet).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.files.storage import default_storage
from django.utils import timezone

from exams.models import Exam, Page, ScanBatch

#: The folders of stored files and the rows that name them.
SWEPT = ("scans", "pages", "templates")


@dataclass(frozen=True)
class SweepReport:
    orphans: list[str]
    bytes: int
    removed: bool

    def __str__(self) -> str:
        verb = "removed" if self.removed else "would remove"
        return f"{verb} {len(self.orphans)} unreferenced file(s), {self.bytes / 2**20:.1f} MiB"


def _files(folder: str) -> Iterator[str]:
    if not default_storage.exists(folder):
        return
    dirs, files = default_storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}"
    for sub in dirs:
        yield from _files(f"{folder}/{sub}")


def _referenced() -> set[str]:
    names: set[str] = set()
    names.update(ScanBatch.objects.exclude(file="").values_list("file", flat=True))
    names.update(Page.objects.exclude(image="").values_list("image", flat=True))
    names.update(Exam.objects.exclude(template_pdf="").values_list("template_pdf", flat=True))
    return names


def _modified(name: str) -> datetime | None:
    try:
        return default_storage.get_modified_time(name)
    except (NotImplementedError, OSError):
        return None


def storage_sweep(*, min_age: timedelta = timedelta(days=1), remove: bool = False) -> SweepReport:
    """The stored files under :data:`SWEPT` that no row names and that are older than
    ``min_age``; removed when ``remove``."""
    referenced = _referenced()
    cutoff = timezone.now() - min_age
    orphans, size = [], 0
    for folder in SWEPT:
        for name in _files(folder):
            modified = _modified(name)
            if name in referenced or modified is None or modified > cutoff:
                continue
            orphans.append(name)
            size += default_storage.size(name)
    if remove:
        for name in orphans:
            default_storage.delete(name)
    return SweepReport(orphans=orphans, bytes=size, removed=remove)
