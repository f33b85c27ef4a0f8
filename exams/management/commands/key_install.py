"""``manage.py key_install --exam quiz-2 KEY.yaml [--yes]``: install an answer key. What the
key changes in the exam (parts added, removed or re-pointed, pages per copy) is listed and
applied only with ``--yes``."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from exams.management.options import add_exam_arguments, exam_from, validation_text
from exams.services import keys


class Command(BaseCommand):
    help = (
        "Install an answer key (YAML) on an exam. When the key changes the exam's parts or "
        "pages per copy, the changes are listed and nothing is installed unless --yes."
    )

    def add_arguments(self, parser):
        add_exam_arguments(parser)
        parser.add_argument("file", help="the answer key (docs/answer-keys.md)")
        parser.add_argument(
            "--yes", action="store_true", help="apply what the key changes in the exam"
        )

    def handle(self, *args, file: str, yes: bool, **options):
        exam = exam_from(options)
        try:
            source = Path(file).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{file}: {exc}") from exc
        try:
            changes = keys.answer_key_changes(exam=exam, source=source)
            answer_key, _, created = keys.answer_key_store(exam=exam, source=source, confirmed=yes)
        except keys.KeyNeedsConfirmation as exc:
            for line in exc.changes.lines:
                self.stderr.write(f"  {line}")
            raise CommandError(
                "The key changes the exam as listed: nothing was installed. "
                "Run again with --yes to install it."
            ) from exc
        except keys.AnswerKeyError as exc:
            for issue in exc.issues:
                self.stderr.write(f"  {file}: {issue}")
            raise CommandError("The key was not installed.") from exc
        except ValidationError as exc:
            raise CommandError(validation_text(exc)) from exc
        for line in changes.lines:
            self.stdout.write(f"  {line}")
        state = "installed" if created else "is already installed"
        self.stdout.write(f"{exam.slug}: answer key version {answer_key.version} {state}")
