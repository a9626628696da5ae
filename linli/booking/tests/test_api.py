"""The booking API over HTTP: points, slots, bookings, the queue and tickets — and garbage, which
gets a 400 naming the field and stores nothing."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from linli.booking.models import Booking, Ticket
from linli.booking.tests.conftest import at, make_resident
from linli.people import actions as people

pytestmark = pytest.mark.django_db
API = "/api/v1/booking"


def bearer(user) -> dict[str, str]:
    token = people.create_api_token(user, actor=user, name="test").token
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def post(client, url, body, user=None):
    data = body if isinstance(body, str) else json.dumps(body)
    headers = bearer(user) if user is not None else {}
    return client.post(url, data, content_type="application/json", **headers)


def fields(response) -> set[str]:
    return {e["field"] for e in response.json().get("errors", [])}


def test_points_list_their_windows_and_matters(client, point):
    body = client.get(f"{API}/points").json()
    assert body[0]["name"] == point.name
    assert body[0]["windows"][1]["matters"] == ["zhejiang_residence_permit"]


def test_a_days_slots_show_free_places(client, point, workday):
    body = client.get(f"{API}/points/{point.pk}/slots?date={workday.isoformat()}").json()
    assert body["open"] is True and len(body["slots"]) == 6
    assert body["slots"][0]["free"] == 2


@pytest.mark.parametrize("raw", ["", "tomorrow", "2026-13-01", "2026-02-30", "1'; drop"])
def test_a_bad_date_is_400_naming_it(client, point, raw):
    response = client.get(f"{API}/points/{point.pk}/slots?date={raw}")
    assert response.status_code == 400 and fields(response) == {"date"}


def test_slots_without_a_date_is_400(client, point):
    response = client.get(f"{API}/points/{point.pk}/slots")
    assert response.status_code == 400


def test_a_resident_books_with_a_token_and_cancels(client, point, resident, workday):
    starts = at(workday, 9).isoformat()
    response = post(client, f"{API}/bookings", {"point": point.pk, "starts_at": starts}, resident)
    assert response.status_code == 201, response.json()
    booking = response.json()
    assert booking["reference"].startswith("B") and booking["status"] == "booked"
    mine = client.get(f"{API}/bookings", **bearer(resident)).json()
    assert [b["id"] for b in mine] == [booking["id"]]
    deleted = client.delete(f"{API}/bookings/{booking['id']}", **bearer(resident))
    assert deleted.status_code == 200 and deleted.json()["status"] == "cancelled"


def test_someone_else_cannot_cancel_a_booking(client, point, resident, workday):
    starts = at(workday, 9).isoformat()
    created = post(client, f"{API}/bookings", {"point": point.pk, "starts_at": starts}, resident)
    other = make_resident(2)
    response = client.delete(f"{API}/bookings/{created.json()['id']}", **bearer(other))
    assert response.status_code == 404
    assert Booking.objects.get().status == Booking.Status.BOOKED


def test_booking_needs_a_signed_in_person(client, point, workday):
    response = post(client, f"{API}/bookings", {"point": point.pk, "starts_at": "x"})
    assert response.status_code == 401 and not Booking.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"starts_at": "2030-01-01T09:00:00+08:00"}, "point"),
        ({"point": "PK"}, "starts_at"),
        ({"point": "one", "starts_at": "2030-01-01T09:00:00+08:00"}, "point"),
        ({"point": "PK", "starts_at": "soon"}, "starts_at"),
        ({"point": "PK", "starts_at": 12}, "starts_at"),
        ({"point": "PK", "starts_at": "2030-01-01T09:00:00+08:00", "matter": "x" * 99}, "matter"),
        ({"point": "PK", "starts_at": "2030-01-01T09:00:00+08:00", "officer": "a"}, "officer"),
        ({"point": 999999, "starts_at": "2030-01-01T09:00:00+08:00"}, "point"),
    ],
)
def test_garbage_bookings_are_400_naming_the_field_and_store_nothing(
    client, point, resident, body, field
):
    body = {k: point.pk if v == "PK" else v for k, v in body.items()}
    response = post(client, f"{API}/bookings", body, resident)
    assert response.status_code == 400, response.json()
    assert field in fields(response)
    assert not Booking.objects.exists()


@pytest.mark.parametrize("body", ["[]", "not json", "null", '"text"'])
def test_a_body_that_is_not_a_booking_is_400(client, resident, body):
    response = post(client, f"{API}/bookings", body, resident)
    assert response.status_code == 400 and not Booking.objects.exists()


def test_booking_a_closed_day_is_400_naming_the_time(client, point, resident, workday):
    from linli.booking.models import PlanException

    PlanException.objects.create(point=point, date=workday, is_open=False)
    starts = at(workday, 9).isoformat()
    response = post(client, f"{API}/bookings", {"point": point.pk, "starts_at": starts}, resident)
    assert response.status_code == 400 and fields(response) == {"starts_at"}
    assert not Booking.objects.exists()


def test_a_full_slot_is_409(client, point, workday):
    starts = at(workday, 9).isoformat()
    for n in (1, 2):
        post(client, f"{API}/bookings", {"point": point.pk, "starts_at": starts}, make_resident(n))
    response = post(
        client, f"{API}/bookings", {"point": point.pk, "starts_at": starts}, make_resident(3)
    )
    assert response.status_code == 409 and Booking.objects.count() == 2


def test_a_remote_ticket_shows_the_people_ahead_and_the_queue_counts_it(client, point, resident):
    first = post(client, f"{API}/points/{point.pk}/tickets", {"remote": False}, make_resident(2))
    assert first.status_code == 201 and first.json()["label"] == "A001"
    response = post(
        client,
        f"{API}/points/{point.pk}/tickets",
        {"matter": "household_move_in", "arrive_within_minutes": 30},
        resident,
    )
    assert response.status_code == 201
    ticket = response.json()
    assert ticket["label"] == "R002" and ticket["status"] == "waiting"
    assert ticket["ahead"] == 1 and ticket["wait_minutes"] == 8
    board = client.get(f"{API}/points/{point.pk}/queue").json()
    assert [w["waiting"] for w in board["windows"]] == [2, 1]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"remote": "maybe"}, "remote"),
        ({"arrive_within_minutes": 0}, "arrive_within_minutes"),
        ({"arrive_within_minutes": "soon"}, "arrive_within_minutes"),
        ({"matter": "not_served_here"}, "matter"),
        ({"matter": 5}, "matter"),
    ],
)
def test_garbage_tickets_are_400_naming_the_field(client, point, resident, body, field):
    response = post(client, f"{API}/points/{point.pk}/tickets", body, resident)
    assert response.status_code == 400 and field in fields(response)
    assert not Ticket.objects.exists()


def test_the_queue_of_a_missing_point_is_404(client):
    assert client.get(f"{API}/points/999999/queue").status_code == 404


def test_staff_read_counts_per_matter_and_residents_are_refused(client, point, workday):
    from linli.booking import actions
    from linli.people.models import Membership, Role, Unit

    booking = actions.book(
        person=make_resident(1), point=point, starts_at=at(workday, 9), matter="passport"
    )
    actions.complete(booking, actor=booking.person, now=at(workday, 9, 20))
    staff = make_resident(2)
    unit = Unit.objects.create(
        code="bench-unit", name="大厅", kind="police_station", area_code="33"
    )
    Membership.objects.create(user=staff, unit=unit, role=Role.OFFICER)
    url = f"{API}/stats?first={workday.isoformat()}&last={workday.isoformat()}"
    assert client.get(url, **bearer(staff)).json() == [
        {"matter": "passport", "accepted": 1, "completed": 1}
    ]
    assert client.get(url, **bearer(make_resident(3))).status_code == 403
    bad = client.get(f"{API}/stats?first=x&last=2026-01-01", **bearer(staff))
    assert bad.status_code == 400 and fields(bad) == {"first"}


def test_a_time_without_an_offset_is_local_time(client, point, resident, workday):
    starts = at(workday, 9).replace(tzinfo=None).isoformat()
    response = post(client, f"{API}/bookings", {"point": point.pk, "starts_at": starts}, resident)
    assert response.status_code == 201
    assert datetime.fromisoformat(response.json()["starts_at"]) == at(workday, 9)


def test_the_points_list_costs_two_queries_however_many_points(
    client, point, django_assert_num_queries
):
    from linli.booking.tests.conftest import make_point

    for n in range(5):
        make_point(name=f"大厅{n}")
    with django_assert_num_queries(2):
        assert len(client.get(f"{API}/points").json()) == 6


def test_the_openapi_schema_documents_every_booking_endpoint(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    ours = {p: ops for p, ops in paths.items() if p.startswith("/api/v1/booking/")}
    assert {
        "/api/v1/booking/points",
        "/api/v1/booking/points/{point_id}/slots",
        "/api/v1/booking/bookings",
        "/api/v1/booking/bookings/{booking_id}",
        "/api/v1/booking/points/{point_id}/queue",
        "/api/v1/booking/points/{point_id}/tickets",
        "/api/v1/booking/tickets/{ticket_id}/check-in",
        "/api/v1/booking/windows/{window_id}/call-next",
    } <= set(ours)
    assert all(op.get("summary") for ops in ours.values() for op in ops.values())


def test_a_resident_moves_a_booking_and_garbage_moves_nothing(client, point, resident, workday):
    starts = at(workday, 9).isoformat()
    created = post(client, f"{API}/bookings", {"point": point.pk, "starts_at": starts}, resident)
    url = f"{API}/bookings/{created.json()['id']}"
    for body, field in (({}, "starts_at"), ({"starts_at": "later"}, "starts_at")):
        bad = client.patch(
            url, json.dumps(body), content_type="application/json", **bearer(resident)
        )
        assert bad.status_code == 400 and field in fields(bad)
    moved = client.patch(
        url,
        json.dumps({"starts_at": at(workday, 10).isoformat()}),
        content_type="application/json",
        **bearer(resident),
    )
    assert moved.status_code == 200
    assert datetime.fromisoformat(moved.json()["starts_at"]) == at(workday, 10)
    assert Booking.objects.get().slot.starts_at == at(workday, 10)
