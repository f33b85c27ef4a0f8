"""Roster import from a CSV file: name, student number, email.

Students new to gradebook get an account without a password and an email inviting them to
choose one (``exams.services.invitations``), sent once the import has committed.

File-level problems (not text, no header, a required column missing) import nothing. Row
problems are reported per row with the row's line number; every valid row is imported, each
in its own savepoint so one bad row never leaves another half-written.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from exams.models import STAFF_ROLES, Course, Enrollment
from exams.services.courses import student_enroll
from exams.services.invitations import invitations_send_after_commit

#: Accepted spellings of each column, compared lower-case with spaces and dashes as "_".
COLUMNS = {
    "name": {"name", "full_name", "student_name"},
    "student_number": {"student_number", "number", "student_id", "id", "matriculation"},
    "email": {"email", "e_mail", "mail", "email_address"},
}
MAX_BYTES = 2 * 2**20


class RosterFileError(ValueError):
    """The file as a whole cannot be read as a roster; nothing was imported."""


@dataclass(frozen=True)
class RowError:
    line: int
    message: str
    values: dict[str, str]


@dataclass
class RosterResult:
    imported: list[Enrollment] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    #: Students emailed an invitation to set their password (new accounts, once committed).
    invited: int = 0


def _norm(header: str) -> str:
    return header.strip().lower().replace(" ", "_").replace("-", "_").lstrip("\ufeff")


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(
            f"{name.replace('_', ' ')}: {' '.join(str(m) for e in errs for m in e.messages)}"
            for name, errs in exc.error_dict.items()
        )
    return " ".join(exc.messages)


def read_roster(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """Rows of a roster CSV as (line number, {name, student_number, email}).

    Raises :class:`RosterFileError` for a file that is not a roster at all.
    """
    if not data.strip():
        raise RosterFileError("The file is empty.")
    if len(data) > MAX_BYTES:
        raise RosterFileError("The file is larger than 2 MiB; is it really a roster?")
    if b"\x00" in data or data.startswith(b"PK"):  # NUL anywhere: PostgreSQL refuses it
        raise RosterFileError(
            "The file is not text (a spreadsheet? Save it as CSV, UTF-8, and upload that)."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise RosterFileError("The file is not text (save it as CSV, UTF-8).") from exc
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise RosterFileError("The file has no header row.") from exc
    index: dict[str, int] = {}
    for i, raw in enumerate(header):
        for column, names in COLUMNS.items():
            if _norm(raw) in names and column not in index:
                index[column] = i
    missing = [c for c in COLUMNS if c not in index]
    if missing:
        raise RosterFileError(
            "The header row needs the columns name, student number and email; missing: "
            + ", ".join(m.replace("_", " ") for m in missing)
            + f" (found: {', '.join(h.strip() for h in header) or 'nothing'})."
        )
    rows = []
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            values = {c: (cells[i].strip() if i < len(cells) else "") for c, i in index.items()}
            rows.append((reader.line_num, values))
    except csv.Error as exc:
        raise RosterFileError(f"line {reader.line_num}: {exc}") from exc
    return rows


def roster_import(*, course: Course, data: bytes) -> RosterResult:
    """Import a roster CSV into the course (see the module docstring for what is kept)."""
    rows = read_roster(data)
    result = RosterResult()
    seen_numbers: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    staff_emails = {
        e.lower()
        for e in Enrollment.objects.filter(course=course, role__in=STAFF_ROLES).values_list(
            "user__email", flat=True
        )
    }
    for line, values in rows:
        problems = []
        if not values["name"]:
            problems.append("name: a name is required")
        if not values["student_number"]:
            problems.append("student number: a student number is required")
        number, email = values["student_number"], values["email"].lower()
        if number and number in seen_numbers:
            problems.append(f"student number: {number} is also on line {seen_numbers[number]}")
        if email and email in seen_emails:
            problems.append(f"email: {email} is also on line {seen_emails[email]}")
        if email and email in staff_emails:
            problems.append(f"email: {email} belongs to the course's staff, not a student")
        if problems:
            result.errors.append(RowError(line, "; ".join(problems), values))
            continue
        seen_numbers[number] = line
        seen_emails[email] = line
        try:
            with transaction.atomic():
                enrollment = student_enroll(
                    course=course, name=values["name"], email=email, student_number=number
                )
        except ValidationError as exc:
            result.errors.append(RowError(line, _messages(exc), values))
            continue
        result.imported.append(enrollment)
    result.invited = invitations_send_after_commit([e.user for e in result.imported], course)
    return result
