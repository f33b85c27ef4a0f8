"""The answer-regions page: template pages as images, saving every part's region as JSON, and
the ``part_regions_set`` service behind it."""

from __future__ import annotations

import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from PIL import Image

from exams.models import Exam, Part
from exams.services.structure import part_regions_set

pytestmark = pytest.mark.django_db

BOX = {"page": 1, "box": [0.1, 0.2, 0.6, 0.4]}


def regions(exam: Exam) -> dict[str, dict]:
    return dict(Part.objects.filter(exam=exam).values_list("part_id", "region"))


def save(client, exam: Exam, body) -> object:
    return client.post(
        reverse("exam_regions_save", args=[exam.pk]),
        data=body if isinstance(body, str) else json.dumps(body),
        content_type="application/json",
        HTTP_ACCEPT="application/json",
    )


# --- the page and its images ------------------------------------------------------------------


def test_the_instructor_gets_the_page_with_every_part_and_page(client, cast):
    Exam.objects.filter(pk=cast.exam.pk).update(pages_per_copy=2)
    Part.objects.filter(exam=cast.exam, part_id="1.b").update(region=BOX)
    client.force_login(cast.instructor.user)
    response = client.get(reverse("exam_regions", args=[cast.exam.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-part="1.a"' in body
    assert 'data-part="1.b"' in body
    assert reverse("exam_template_page", args=[cast.exam.pk, 2]) in body
    assert response.context["regions"] == {"1.a": None, "1.b": BOX}
    assert "js/regions.js" in body


def test_the_page_and_its_images_are_for_the_instructor_only(client, cast):
    urls = [
        reverse("exam_regions", args=[cast.exam.pk]),
        reverse("exam_template_page", args=[cast.exam.pk, 1]),
    ]
    for user in (cast.ta.user, cast.student.user, cast.other_ta.user, cast.outsider_student.user):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)


def test_the_page_and_its_images_reject_post(client, cast):
    client.force_login(cast.instructor.user)
    assert client.post(reverse("exam_regions", args=[cast.exam.pk])).status_code == 405
    url = reverse("exam_template_page", args=[cast.exam.pk, 1])
    assert client.post(url).status_code == 405


def test_a_template_page_is_a_png_of_the_page_at_about_100_dpi(client, cast):
    client.force_login(cast.instructor.user)
    response = client.get(reverse("exam_template_page", args=[cast.exam.pk, 1]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (827, 1170)  # A4 at 100 dpi
    assert client.get(reverse("exam_template_page", args=[cast.exam.pk, 2])).status_code == 404


def test_a_template_page_shows_a_newly_saved_region(client, cast):
    client.force_login(cast.instructor.user)
    url = reverse("exam_template_page", args=[cast.exam.pk, 1])
    before = client.get(url).content
    part_regions_set(exam=cast.exam, regions={"1.a": BOX})
    after = client.get(url).content
    assert before != after  # a new template version, not the cached image


# --- saving -----------------------------------------------------------------------------------


def test_saving_sets_every_region_and_the_pages_per_copy(client, cast):
    client.force_login(cast.instructor.user)
    response = save(
        client,
        cast.exam,
        {
            "regions": {"1.a": BOX, "1.b": {"page": 2, "box": [0, 0.5, 1, 1]}},
            "pages_per_copy": 2,
        },
    )
    assert response.status_code == 200
    assert response.json()["ok"] is True
    assert regions(cast.exam) == {"1.a": BOX, "1.b": {"page": 2, "box": [0.0, 0.5, 1.0, 1.0]}}
    assert Exam.objects.get(pk=cast.exam.pk).pages_per_copy == 2


def test_null_clears_a_region(client, cast):
    Part.objects.filter(exam=cast.exam).update(region=BOX)
    client.force_login(cast.instructor.user)
    response = save(client, cast.exam, {"regions": {"1.a": None}, "pages_per_copy": 1})
    assert response.status_code == 200
    assert regions(cast.exam) == {"1.a": {}, "1.b": BOX}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "regions"),
        ({"regions": {"1.a": {"page": 1, "box": [0.6, 0.2, 0.1, 0.4]}}}, "0 <= x0 < x1 <= 1"),
        ({"regions": {"1.a": {"page": 1, "box": [0.1, 0.2, 0.6, 1.4]}}}, "0 <= y0 < y1 <= 1"),
        ({"regions": {"1.a": {"page": 1, "box": [0.1, 0.2, 0.6]}}}, "four numbers"),
        ({"regions": {"1.a": {"page": 3, "box": [0.1, 0.2, 0.6, 0.4]}}}, "from 1 to 1"),
        ({"regions": {"1.a": BOX}, "pages_per_copy": 0}, "Pages per copy"),
        ({"regions": {"1.a": BOX, "9.z": BOX}}, "Unknown part ids: 9.z"),
    ],
)
def test_a_bad_request_is_400_with_a_message_and_changes_nothing(client, cast, body, message):
    Part.objects.filter(exam=cast.exam, part_id="1.b").update(region=BOX)
    before = regions(cast.exam)
    client.force_login(cast.instructor.user)
    response = save(client, cast.exam, body)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert regions(cast.exam) == before
    assert Exam.objects.get(pk=cast.exam.pk).pages_per_copy == 1


def test_a_form_post_saves_and_redirects_with_a_message(client, cast):
    client.force_login(cast.instructor.user)
    url = reverse("exam_regions_save", args=[cast.exam.pk])
    response = client.post(url, {"regions": json.dumps({"1.b": BOX}), "pages_per_copy": "1"})
    assert response.status_code == 302
    assert regions(cast.exam)["1.b"] == BOX
    response = client.post(url, {"regions": '{"1.b": {"page": 1, "box": [2, 0, 3, 1]}}'})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Nothing was saved. Part 1.b: box must lie on the page" in body
    assert "[2, 0, 3, 1]" in body  # the JSON as sent, to correct
    assert regions(cast.exam)["1.b"] == BOX
    response = client.post(url, {"regions": "{}", "pages_per_copy": "two"})
    assert response.status_code == 400
    assert "Pages per copy must be a whole number from 1 to 60." in response.content.decode()


def test_saving_is_for_the_instructor_only_and_post_only(client, cast):
    for user in (cast.ta.user, cast.student.user, cast.other_ta.user, cast.outsider_student.user):
        client.force_login(user)
        assert save(client, cast.exam, {"regions": {"1.a": BOX}}).status_code == 404
    client.force_login(cast.instructor.user)
    assert client.get(reverse("exam_regions_save", args=[cast.exam.pk])).status_code == 405
    assert regions(cast.exam) == {"1.a": {}, "1.b": {}}


# --- the service ------------------------------------------------------------------------------


def test_part_regions_set_rounds_and_leaves_unnamed_parts_alone(cast):
    Part.objects.filter(exam=cast.exam, part_id="1.b").update(region=BOX)
    changed = part_regions_set(
        exam=cast.exam, regions={"1.a": {"page": 1, "box": [0.123456, 0, 0.5, 0.25]}}
    )
    assert [p.part_id for p in changed] == ["1.a"]
    assert regions(cast.exam) == {"1.a": {"page": 1, "box": [0.1235, 0, 0.5, 0.25]}, "1.b": BOX}


def test_part_regions_set_names_every_unknown_part_and_saves_nothing(cast):
    with pytest.raises(ValidationError) as info:
        part_regions_set(
            exam=cast.exam, regions={"1.a": BOX, "7.c": BOX, "2": BOX}, pages_per_copy=3
        )
    assert "Unknown part ids: 2, 7.c." in info.value.messages
    assert regions(cast.exam) == {"1.a": {}, "1.b": {}}
    assert Exam.objects.get(pk=cast.exam.pk).pages_per_copy == 1


def test_fewer_pages_must_not_strand_a_region_left_as_it_is(cast):
    part_regions_set(
        exam=cast.exam, regions={"1.b": {"page": 2, "box": [0, 0, 1, 1]}}, pages_per_copy=2
    )
    with pytest.raises(ValidationError, match=r"1\.b is on page 2"):
        part_regions_set(exam=cast.exam, regions={}, pages_per_copy=1)
    assert Exam.objects.get(pk=cast.exam.pk).pages_per_copy == 2


@pytest.mark.parametrize(
    "value",
    [
        {"page": True, "box": [0, 0, 1, 1]},
        {"page": 1, "box": [0, 0, float("nan"), 1]},
        {"page": 1, "box": [0, 0, 1, "1"]},
        {"page": 1, "box": [0.5, 0, 0.5, 1]},
        {"page": 1, "box": [0, 0, 1, 1], "extra": 1},
        [1, [0, 0, 1, 1]],
    ],
)
def test_part_regions_set_refuses_malformed_regions(cast, value):
    with pytest.raises(ValidationError, match=r"Part 1\.a"):
        part_regions_set(exam=cast.exam, regions={"1.a": value})
    assert regions(cast.exam)["1.a"] == {}


def test_the_page_knows_what_else_is_printed_where_a_box_could_go(client, cast):
    from exams.services.printing import exam_regions

    Part.objects.filter(exam=cast.exam, part_id="1.b").update(region=BOX)
    client.force_login(cast.instructor.user)
    marks = client.get(reverse("exam_regions", args=[cast.exam.pk])).context["print_marks"]
    names = [m["name"] for m in marks if m["page"] is None]
    assert names == ["the QR code"] + ["a corner mark"] * 4
    qr = marks[names.index("the QR code") - len(names)]["box"]
    assert 0.5 < qr[0] < qr[2] < 1
    assert 0 < qr[1] < qr[3] < 0.15
    # The template's own boxes (not answer regions) are marks on their page; 1.b is not.
    others = [(r.page, list(r.box)) for r in exam_regions(cast.exam) if r.label != "1.b"]
    assert [(m["page"], m["box"]) for m in marks if m["page"] is not None] == others


def test_the_page_warns_once_copies_are_printed(client, cast):
    client.force_login(cast.instructor.user)
    url = reverse("exam_regions", args=[cast.exam.pk])
    assert 'id="regions-printed"' not in client.get(url).content.decode()
    Exam.objects.filter(pk=cast.exam.pk).update(status=Exam.Status.PRINTED)
    assert 'id="regions-printed"' in client.get(url).content.decode()
