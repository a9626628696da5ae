"""Work orders on the workbench and over the API: a community officer sends "zombie car, plate
浙F·D12345" to the traffic squad, which accepts it and records "owner contacted, moved" with a
photo. Another unit gets 404; garbage gets a 4xx naming the field and stores nothing."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from linli.cases.actions import Intake, add_photos, submit_case
from linli.cases.models import Case, Photo, WorkOrder
from linli.cases.routing import _traffic_squad
from linli.people import actions as people
from linli.people.models import Membership, Role, Unit, User

pytestmark = pytest.mark.django_db

ZOMBIE_CAR = "僵尸车，车牌浙F·D12345，停在小区门口两个多月了，轮胎都瘪了"
INSTRUCTION = "zombie car, plate 浙F·D12345"
RESULT = "owner contacted, moved"
GPS_IFD = 0x8825


def photo(name: str = "p.jpg") -> SimpleUploadedFile:
    image = Image.new("RGB", (40, 30), (10, 120, 10))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (30.0, 45.0, 0.0), 3: "E", 4: (120.0, 45.0, 0.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def junk() -> SimpleUploadedFile:
    return SimpleUploadedFile("p.jpg", b"not an image at all", content_type="image/jpeg")


@pytest.fixture
def case(spot, resident, room_officer) -> Case:
    intake = Intake(
        kind="report",
        channel="web",
        description=ZOMBIE_CAR,
        lon=spot[0],
        lat=spot[1],
        category="traffic.zombie_car",
    )
    case = submit_case(intake, actor=resident).case
    # Routing sends a zombie car to the squad; here the community police room holds the case
    # (as after a hand-over) and asks the squad to deal with the car.
    Case.objects.filter(pk=case.pk).update(unit=room_officer.memberships.first().unit)
    case.refresh_from_db()
    return case


@pytest.fixture
def squad(case) -> Unit:
    return _traffic_squad(case.area_code)


@pytest.fixture
def traffic_officer(squad) -> User:
    return Membership.objects.filter(unit=squad, role=Role.TRAFFIC_OFFICER).first().user


def in_days(n: int) -> str:
    return (timezone.localdate() + timedelta(days=n)).isoformat()


def send_on_page(client, case, squad, **fields):
    data = {"to_unit": squad.pk, "instruction": INSTRUCTION, "due_date": in_days(3)} | fields
    return client.post(f"/cases/c/{case.number}/work-order/", data)


@pytest.fixture
def accepted(client, case, squad, room_officer, traffic_officer) -> WorkOrder:
    client.force_login(room_officer)
    send_on_page(client, case, squad)
    order = WorkOrder.objects.get()
    client.force_login(traffic_officer)
    client.post(f"/cases/work-orders/{order.pk}/", {"action": "accept"})
    order.refresh_from_db()
    assert order.status == "accepted"
    return order


# --- the pages -------------------------------------------------------------------------------


def test_the_zombie_car_goes_from_the_room_to_the_squad_and_comes_back_moved_with_a_photo(
    client, case, squad, room_officer, traffic_officer, resident
):
    client.force_login(room_officer)
    page = client.get(f"/cases/c/{case.number}/").content.decode()
    assert 'id="send-work-order"' in page and squad.name in page

    sent = send_on_page(client, case, squad)
    assert sent.status_code == 302
    order = WorkOrder.objects.get()
    assert (order.to_unit, order.status, order.instruction) == (squad, "sent", INSTRUCTION)
    assert timezone.localtime(order.due_at).date().isoformat() == in_days(3)

    client.force_login(traffic_officer)
    assert "/cases/work-orders/" in client.get("/cases/inbox/").content.decode()
    listed = client.get("/cases/work-orders/").content.decode()
    assert f'data-work-order="{order.pk}"' in listed and case.number in listed
    url = f"/cases/work-orders/{order.pk}/"
    assert client.post(url, {"action": "accept"}).status_code == 302
    done = client.post(url, {"action": "complete", "result": RESULT, "photos": [photo()]})
    assert done.status_code == 302
    order.refresh_from_db()
    assert order.status == "completed" and order.result == RESULT
    (stored,) = order.photos.all()
    with stored.image.open("rb") as image:
        data = image.read()
    assert b"PhoneMaker" not in data and not Image.open(io.BytesIO(data)).getexif()

    client.force_login(room_officer)
    page = client.get(f"/cases/c/{case.number}/").content.decode()
    assert RESULT in page and f"/cases/photos/{stored.pk}:" in page  # its signed link

    # The resident follows the case, not the units' internal work.
    client.force_login(resident)
    page = client.get(f"/cases/c/{case.number}/").content.decode()
    assert RESULT not in page and f"/cases/photos/{stored.pk}:" not in page


def test_the_squad_returns_one_order_with_a_reason_and_transfers_another(
    client, case, squad, room_officer, traffic_officer, street_staff
):
    office = street_staff.memberships.first().unit
    client.force_login(room_officer)
    send_on_page(client, case, squad)
    send_on_page(client, case, squad)
    first, second = WorkOrder.objects.order_by("id")
    client.force_login(traffic_officer)

    no_reason = client.post(f"/cases/work-orders/{first.pk}/", {"action": "return"})
    assert no_reason.status_code == 400 and "reason" in no_reason.context["form"].errors
    client.post(f"/cases/work-orders/{first.pk}/", {"action": "return", "reason": "不属于交通"})
    first.refresh_from_db()
    assert (first.status, first.reason) == ("returned", "不属于交通")

    url = f"/cases/work-orders/{second.pk}/"
    no_unit = client.post(url, {"action": "transfer", "reason": "请街道协调"})
    assert no_unit.status_code == 400 and "to_unit" in no_unit.context["form"].errors
    client.post(url, {"action": "transfer", "reason": "请街道协调", "to_unit": office.pk})
    second.refresh_from_db()
    assert second.status == "transferred" and second.transferred_to.to_unit == office


def test_only_the_receiving_unit_opens_an_order_everyone_else_gets_404(
    client, accepted, room_officer, other_room_officer, resident
):
    url = f"/cases/work-orders/{accepted.pk}/"
    for someone in (room_officer, other_room_officer, resident):
        client.force_login(someone)
        assert client.get(url).status_code == 404
        assert client.post(url, {"action": "complete", "result": RESULT}).status_code == 404
    client.force_login(other_room_officer)
    assert (
        f'data-work-order="{accepted.pk}"' not in client.get("/cases/work-orders/").content.decode()
    )
    assert client.post(f"/cases/c/{accepted.case.number}/work-order/", {}).status_code == 404
    client.force_login(resident)
    assert client.get("/cases/work-orders/").status_code == 404
    accepted.refresh_from_db()
    assert accepted.status == "accepted"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"result": ""}, "result"),
        ({"photos": [junk()]}, "photos"),
        ({"photos": [photo(), photo(), photo(), photo()]}, "photos"),
        ({"photos": [photo(), junk()]}, "photos"),
    ],
)
def test_a_bad_completion_on_the_page_names_the_field_and_stores_nothing(
    client, accepted, fields, field
):
    data = {"action": "complete", "result": RESULT} | fields
    response = client.post(f"/cases/work-orders/{accepted.pk}/", data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    accepted.refresh_from_db()
    assert accepted.status == "accepted" and not accepted.result
    assert not Photo.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"to_unit": "squad"}, "to_unit"),
        ({"to_unit": 99999999}, "to_unit"),
        ({"instruction": "  "}, "instruction"),
        ({"instruction": "x" * 2001}, "instruction"),
        ({"due_date": "tomorrow"}, "due_date"),
        ({"due_date": in_days(-1)}, "due_date"),
    ],
)
def test_a_bad_work_order_on_the_case_page_names_the_field_and_sends_nothing(
    client, case, squad, room_officer, fields, field
):
    client.force_login(room_officer)
    response = send_on_page(client, case, squad, **fields)
    assert response.status_code == 400
    assert field in response.context["send_form"].errors
    assert not WorkOrder.objects.exists()


def test_the_case_unit_itself_is_not_offered_as_a_recipient(client, case, room_officer):
    client.force_login(room_officer)
    response = send_on_page(client, case, case.unit)
    assert response.status_code == 400 and "to_unit" in response.context["send_form"].errors


# --- the API ---------------------------------------------------------------------------------


def bearer(user: User) -> dict[str, str]:
    key = people.create_api_token(user, actor=user, name="test").token
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def _photo_ids(links: list[str]) -> list[int]:
    """The photo ids in links /cases/photos/<id>:<time>:<signature>."""
    return [int(link.rsplit("/", 1)[1].split(":", 1)[0]) for link in links]


def test_the_squad_completes_over_the_api_with_photos_of_its_own(
    client, accepted, traffic_officer, room_officer, resident
):
    # The resident's three photos of the case leave the squad's three untouched.
    add_photos(accepted.case, [photo(), photo(), photo()], actor=resident)
    url = f"/api/v1/work-orders/{accepted.pk}/complete"
    done = client.post(
        url, {"result": RESULT, "photos": [photo(), photo(), photo()]}, **bearer(traffic_officer)
    )
    assert done.status_code == 200, done.content
    body = done.json()
    assert body["status"] == "completed" and body["result"] == RESULT
    assert len(body["photos"]) == 3 and accepted.photos.count() == 3

    staff_view = client.get(f"/api/v1/cases/{accepted.case.number}", **bearer(room_officer))
    (order,) = staff_view.json()["work_orders"]
    # Links are signed with the time they were made: compare the photos they name.
    ids = _photo_ids(body["photos"])
    assert _photo_ids(order["photos"]) == ids
    assert set(ids) == set(accepted.photos.values_list("pk", flat=True))
    assert not set(ids) & set(_photo_ids(staff_view.json()["photos"]))
    public = client.get(f"/api/v1/cases/{accepted.case.number}", **bearer(resident)).json()
    assert len(public["photos"]) == 3 and not set(ids) & set(_photo_ids(public["photos"]))


def test_the_api_still_completes_with_json_and_no_photos(client, accepted, traffic_officer):
    done = client.post(
        f"/api/v1/work-orders/{accepted.pk}/complete",
        {"result": "ticket issued on site"},
        content_type="application/json",
        **bearer(traffic_officer),
    )
    assert done.status_code == 200 and done.json()["photos"] == []


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"result": ""}, "result"),
        ({"result": "x" * 2001}, "result"),
        ({"result": RESULT, "photos": [junk()]}, "photos"),
        ({"result": RESULT, "photos": [photo(), photo(), photo(), photo()]}, "photos"),
    ],
)
def test_a_bad_completion_over_the_api_names_the_field_and_stores_nothing(
    client, accepted, traffic_officer, data, field
):
    response = client.post(
        f"/api/v1/work-orders/{accepted.pk}/complete", data, **bearer(traffic_officer)
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field
    accepted.refresh_from_db()
    assert accepted.status == "accepted" and not Photo.objects.exists()


def test_a_body_that_is_not_json_is_refused(client, accepted, traffic_officer):
    response = client.post(
        f"/api/v1/work-orders/{accepted.pk}/complete",
        "{not json",
        content_type="application/json",
        **bearer(traffic_officer),
    )
    assert response.status_code == 400


def test_another_unit_completing_over_the_api_gets_404(client, accepted, other_room_officer):
    response = client.post(
        f"/api/v1/work-orders/{accepted.pk}/complete",
        {"result": RESULT, "photos": [photo()]},
        **bearer(other_room_officer),
    )
    assert response.status_code == 404
    accepted.refresh_from_db()
    assert accepted.status == "accepted" and not Photo.objects.exists()
