"""Uploads spooled to temporary files that leave nothing behind.

Django's ``TemporaryFileUploadHandler`` writes a large upload to a named file in the temp
directory and removes it when the request ends; a worker killed meanwhile (a timeout, the
OOM killer, a deploy) leaves the file there for good. Here the file has no name on disk
(``tempfile.TemporaryFile``: ``O_TMPFILE`` on Linux, unlinked at once elsewhere on POSIX), so
the kernel frees it when the process goes, however it goes. Nothing needs a path: the scan is
copied from it into storage (``exams.pipeline.upload``).
"""

from __future__ import annotations

import tempfile
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler


class AnonymousUploadedFile(UploadedFile):
    """An uploaded file held in an anonymous temporary file."""

    def __init__(
        self,
        name: str | None,
        content_type: str | None,
        size: int,
        charset: str | None,
        content_type_extra: dict[str, Any] | None = None,
    ) -> None:
        file = tempfile.TemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR)  # noqa: SIM115 (closed with the upload)
        super().__init__(file, name, content_type, size, charset, content_type_extra)


class AnonymousTemporaryFileUploadHandler(FileUploadHandler):
    """``TemporaryFileUploadHandler`` with :class:`AnonymousUploadedFile`."""

    file: AnonymousUploadedFile

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.file = AnonymousUploadedFile(
            self.file_name, self.content_type, 0, self.charset, self.content_type_extra
        )

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.file.write(raw_data)

    def file_complete(self, file_size: int) -> AnonymousUploadedFile:
        self.file.seek(0)
        self.file.size = file_size
        return self.file

    def upload_interrupted(self) -> None:
        if hasattr(self, "file"):
            self.file.close()
