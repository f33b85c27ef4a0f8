"""bench/regions.py: regions found on a blank PDF's text layer against the answer rooms left
by the layout, on the project's own exam texts."""

from __future__ import annotations

from bench import regions


def test_every_part_of_the_demo_exam_is_found_where_its_room_is():
    text = (regions.REPO / "demo" / "printed.md").read_text()
    row = regions.measure("demo", text)
    assert row["parts"] == 7
    assert row["found"] == row["right"] == 7
    assert row["wrong"] == []
    assert row["missing"] == {}


def test_a_region_over_another_parts_room_is_wrong():
    from exams.scanning.layout import Region

    room = Region("a", 1, 0.1, 0.2, 0.9, 0.4)
    other = Region("b", 1, 0.1, 0.45, 0.9, 0.6)
    assert regions._right(Region("a", 1, 0.1, 0.2, 0.9, 0.42), room, [other])[0]
    assert not regions._right(Region("a", 1, 0.1, 0.2, 0.9, 0.6), room, [other])[0]
    assert not regions._right(Region("a", 2, 0.1, 0.2, 0.9, 0.4), room, [other])[0]
