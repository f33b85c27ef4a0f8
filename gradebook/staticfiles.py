"""Static files served by every gradebook process, with DEBUG off (WhiteNoise)."""

from __future__ import annotations

from typing import Any, ClassVar

from whitenoise.middleware import WhiteNoiseMiddleware


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise serving the code's static folders, listed once per process.

    WhiteNoise lists and stats every file when its middleware is built; Django builds the
    middleware once per handler, and the test client once per client. The files change only
    with the code, so the first listing serves every later instance.
    """

    _listed: ClassVar[dict[str, Any] | None] = None

    def add_files_from_finders(self) -> None:
        cls = type(self)
        if cls._listed is None:
            before = set(self.files)
            super().add_files_from_finders()
            cls._listed = {url: f for url, f in self.files.items() if url not in before}
        else:
            self.files.update(cls._listed)
