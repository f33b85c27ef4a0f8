"""Roster CSV import: per-row errors, valid rows kept, file-level errors import nothing."""

from __future__ import annotations

import pytest

from exams.models import Enrollment, Role
from exams.services import roster

pytestmark = pytest.mark.django_db


def numbers(course) -> set[str]:
    return set(
        Enrollment.objects.filter(course=course, role=Role.STUDENT).values_list(
            "student_number", flat=True
        )
    )


def test_rows_are_imported_and_bad_rows_reported_with_their_line(cast):
    data = (
        b"email;name;student id\n"
        b"x@example.org;Xia Li;50000001\n"
        b"y@example.org;;50000002\n"
        b"\n"
        b"z@example.org;Zoe Ray;\n"
        b"w@example.org;Wes Ng;50000003\n"
    )
    result = roster.roster_import(course=cast.course, data=data)
    assert [e.student_number for e in result.imported] == ["50000001", "50000003"]
    assert [(e.line, e.message.split(":")[0]) for e in result.errors] == [
        (3, "name"),
        (5, "student number"),
    ]
    assert {"50000001", "50000003"} <= numbers(cast.course)


def test_importing_twice_updates_instead_of_duplicating(cast):
    data = b"name,student number,email\nXia Li,50000001,x@example.org\n"
    roster.roster_import(course=cast.course, data=data)
    result = roster.roster_import(course=cast.course, data=data)
    assert result.errors == []
    assert len(result.imported) == 1
    assert Enrollment.objects.filter(user__email="x@example.org").count() == 1


def test_a_number_taken_by_another_student_is_a_row_error(cast):
    data = f"name,student number,email\nXia Li,{cast.student.student_number},x@example.org\n"
    result = roster.roster_import(course=cast.course, data=data.encode())
    assert result.imported == []
    assert result.errors[0].line == 2


def test_staff_cannot_be_turned_into_students(cast):
    data = f"name,student number,email\nTariq,60000001,{cast.ta.user.email}\n".encode()
    result = roster.roster_import(course=cast.course, data=data)
    assert result.imported == []
    assert "staff" in result.errors[0].message
    cast.ta.refresh_from_db()
    assert cast.ta.role == Role.TA


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"name,email\nA,a@b.org\n", "missing: student number"),
        (b"\xff\xfe\x00\x00garbage\x00", "not text"),
    ],
)
def test_file_level_errors_import_nothing(cast, data, message):
    before = numbers(cast.course)
    with pytest.raises(roster.RosterFileError, match=message):
        roster.roster_import(course=cast.course, data=data)
    assert numbers(cast.course) == before
