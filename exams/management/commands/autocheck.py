"""``manage.py autocheck KEY.yaml COPY.md [--printed BLANK.md] [--json]``: check one copy."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Auto-check a transcription (Markdown with LaTeX, or a YAML/JSON mapping of part ids to "
        "answers) against an answer key; one verdict per part. With --printed, the copy is "
        "aligned with the exam's printed (blank) text. No server needed."
    )

    def add_arguments(self, parser):
        parser.add_argument("key", help="answer key (YAML)")
        parser.add_argument("transcription", help="the student's transcription")
        parser.add_argument(
            "--printed", help="the exam's printed (blank) text, to align the copy with"
        )
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(
        self, *args, key: str, transcription: str, printed: str | None, json: bool, **options
    ):
        from autocheck.cli import autocheck
        from autocheck.keys import KeyFormatError

        try:
            rows = autocheck(key, transcription, printed)
        except (OSError, ValueError, KeyFormatError) as exc:
            raise CommandError(str(exc)) from exc
        if json:
            self.stdout.write(_dumps(rows))
            return
        for row in rows:
            points = "-" if row["points"] is None else f"{row['points']:g}"
            diagnosis = (row.get("diagnosis") or {}).get("message", "")
            review = (row.get("alignment") or {}).get("review", "")
            self.stdout.write(
                f"{row['part']:>6}  {row['verdict']:<13} {points:>5}/{row['max_points']:<4g} "
                f"expected {row['expected']}  {diagnosis}{review}"
            )


def _dumps(data) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)
