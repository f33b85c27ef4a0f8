"""``manage.py keysolve KEY.yaml [--json]``: every part's expected values and worked steps."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Solve an answer key: expected values and worked steps per part (no server needed)."

    def add_arguments(self, parser):
        parser.add_argument("key", help="answer key (YAML)")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, key: str, json: bool, **options):
        from autocheck.cli import keysolve
        from autocheck.keys import KeyFormatError

        try:
            result = keysolve(key)
        except (OSError, KeyFormatError) as exc:
            raise CommandError(str(exc)) from exc
        if json:
            self.stdout.write(_dumps(result))
            return
        for part_id, part in result["parts"].items():
            self.stdout.write(self.style.MIGRATE_HEADING(f"{part_id}  ({part['points']} points)"))
            for name, target in part["targets"].items():
                self.stdout.write(f"  {name} = {target['display']}")
            for step in part["steps"]:
                self.stdout.write(f"    {step['text']}")


def _dumps(data) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)
