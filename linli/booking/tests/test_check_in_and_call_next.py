"""A remote number is checked in on arrival by its holder at the hall (page and API, with the
code on the hall's screen) or by the hall's staff; a window calls the next over the API.
Everyone else is answered 404, garbage 400 naming the field, a number past its time or nobody
waiting 409 — and nothing changes. (What proves the holder is at the hall: test_presence.py.)"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from linli.booking import queue
from linli.booking.models import ServicePoint, Ticket
from linli.booking.presence import hall_code
from linli.booking.tests.conftest import at_the_hall, make_point, make_resident
from linli.booking.tests.test_api import bearer, fields
from linli.people.models import Membership, Role, Unit, User

pytestmark = pytest.mark.django_db
API = "/api/v1/booking"
NOT_IDS = ["abc", "1.5", "1e3", "1 OR 1=1", "null"]


def _hall(code: str, area_code: str) -> ServicePoint:
    station = Unit.objects.create(
        code=code, name=f"{code}派出所", kind=Unit.Kind.POLICE_STATION, area_code=area_code
    )
    return make_point(unit=station, name=f"{code}办证大厅")


def _clerk(hall: ServicePoint, username: str) -> User:
    clerk = User.objects.create(username=username, full_name="窗口民警", phone=f"1380{username}")
    Membership.objects.create(user=clerk, unit=hall.unit, role=Role.OFFICER)
    return clerk


@pytest.fixture
def hall(db) -> ServicePoint:
    return _hall("nanhu", "330402001")


@pytest.fixture
def clerk(hall) -> User:
    return _clerk(hall, "0000001")


@pytest.fixture
def other_clerk(db) -> User:
    return _clerk(_hall("xinfeng", "330402002"), "0000002")


@pytest.fixture
def holder(db) -> User:
    return make_resident(1)


@pytest.fixture
def remote(hall, holder) -> Ticket:
    return queue.take_ticket(point=hall, matter="household_move_in", person=holder, remote=True)


def late_ticket(hall: ServicePoint, holder: User) -> Ticket:
    taken = timezone.now() - timedelta(hours=2)
    return queue.take_ticket(
        point=hall, person=holder, remote=True, now=taken, arrive_within=timedelta(hours=1)
    )


def check_in(client, ticket_id, user=None, **proof):
    headers = bearer(user) if user is not None else {}
    return client.post(
        f"{API}/tickets/{ticket_id}/check-in",
        json.dumps(proof),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **headers,
    )


def code_of(hall: ServicePoint) -> str:
    return hall_code(hall, timezone.now())


def call_next(client, window_id, user=None):
    headers = bearer(user) if user is not None else {}
    return client.post(f"{API}/windows/{window_id}/call-next", **headers)


def page_says(message: str, response) -> bool:
    with translation.override("zh-hans"):  # the pages' language, Chinese by default
        return gettext(message) in response.content.decode()


def status_of(ticket: Ticket) -> str:
    return Ticket.objects.get(pk=ticket.pk).status


# --- the resident's "I have arrived" button ------------------------------------------------


def test_a_resident_says_they_have_arrived_from_the_queue_page_on_their_phone(
    client, hall, holder, remote
):
    client.force_login(holder)
    page = client.get(f"/booking/points/{hall.pk}/queue/").content.decode()
    assert 'id="my-tickets"' in page and f"/booking/tickets/{remote.pk}/arrived/" in page
    assert f"/booking/tickets/{remote.pk}/arrived/" in client.get("/booking/mine/").content.decode()
    arrived = f"/booking/tickets/{remote.pk}/arrived/"
    response = client.post(arrived, {"code": code_of(hall)}, follow=True)
    assert response.status_code == 200 and b'class="messages"' in response.content
    assert status_of(remote) == Ticket.Status.CHECKED_IN
    assert f"/booking/tickets/{remote.pk}/arrived/" not in response.content.decode()


def test_a_resident_cannot_check_in_someone_elses_number(client, remote):
    client.force_login(make_resident(2))
    assert client.post(f"/booking/tickets/{remote.pk}/arrived/").status_code == 404
    assert status_of(remote) == Ticket.Status.WAITING


def test_arriving_after_the_time_to_arrive_is_refused_with_a_clear_message(client, hall, holder):
    ticket = late_ticket(hall, holder)
    client.force_login(holder)
    response = client.post(f"/booking/tickets/{ticket.pk}/arrived/", follow=True)
    assert page_says("The time to arrive has passed; please take a new number.", response)
    assert status_of(ticket) == Ticket.Status.EXPIRED


def test_a_number_already_checked_in_is_not_checked_in_again(client, hall, holder, remote):
    queue.check_in(remote, actor=holder, presence=at_the_hall(hall))
    client.force_login(holder)
    arrived = f"/booking/tickets/{remote.pk}/arrived/"
    response = client.post(arrived, {"code": code_of(hall)}, follow=True)
    assert page_says("This ticket is not waiting to arrive.", response)
    assert Ticket.objects.get(pk=remote.pk).checked_in_at == remote.checked_in_at


@pytest.mark.parametrize("ticket_id", [*NOT_IDS, "9" * 40])
def test_garbage_in_the_arrive_address_is_a_404(client, holder, remote, ticket_id):
    client.force_login(holder)
    assert client.post(f"/booking/tickets/{ticket_id}/arrived/").status_code == 404
    assert status_of(remote) == Ticket.Status.WAITING


# --- POST /tickets/{id}/check-in -----------------------------------------------------------


def test_the_holder_checks_in_over_the_api_and_learns_the_people_ahead(client, hall, holder):
    queue.take_ticket(point=hall, matter="household_move_in")  # already at the hall
    ticket = queue.take_ticket(point=hall, matter="household_move_in", person=holder, remote=True)
    response = check_in(client, ticket.pk, holder, code=code_of(hall))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "checked_in" and body["label"] == "R002" and body["ahead"] == 1


def test_staff_of_the_hall_check_a_number_in_but_staff_of_another_hall_cannot(
    client, clerk, other_clerk, remote
):
    assert check_in(client, remote.pk, other_clerk).status_code == 404
    assert status_of(remote) == Ticket.Status.WAITING
    assert check_in(client, remote.pk, clerk).json()["status"] == "checked_in"


def test_another_resident_gets_404_and_nobody_signed_in_401(client, remote):
    assert check_in(client, remote.pk, make_resident(2)).status_code == 404
    assert check_in(client, remote.pk).status_code == 401
    assert status_of(remote) == Ticket.Status.WAITING


def test_checking_in_late_or_twice_is_409(client, hall, holder, remote):
    late = late_ticket(hall, holder)
    response = check_in(client, late.pk, holder)
    assert response.status_code == 409 and "take a new number" in response.json()["message"]
    assert status_of(late) == Ticket.Status.EXPIRED
    assert check_in(client, remote.pk, holder, code=code_of(hall)).status_code == 200
    assert check_in(client, remote.pk, holder, code=code_of(hall)).status_code == 409


@pytest.mark.parametrize("ticket_id", NOT_IDS)
def test_a_ticket_id_that_is_not_a_number_is_400_naming_it(client, holder, remote, ticket_id):
    response = check_in(client, ticket_id, holder)
    assert response.status_code == 400 and fields(response) == {"ticket_id"}
    assert status_of(remote) == Ticket.Status.WAITING


@pytest.mark.parametrize("ticket_id", ["0", "-3", "99999999", "9" * 40])
def test_an_unknown_ticket_is_404(client, holder, remote, ticket_id):
    assert check_in(client, ticket_id, holder).status_code == 404


def test_fields_other_than_the_proof_change_nothing_they_are_not_read(client, hall, holder, remote):
    response = check_in(client, remote.pk, holder, code=code_of(hall), status="done", person=2)
    assert response.status_code == 200 and status_of(remote) == Ticket.Status.CHECKED_IN
    assert Ticket.objects.get(pk=remote.pk).person == holder


def test_staff_send_no_body_at_all(client, clerk, remote):
    response = client.post(
        f"{API}/tickets/{remote.pk}/check-in", content_type="application/json", **bearer(clerk)
    )
    assert response.status_code == 200 and status_of(remote) == Ticket.Status.CHECKED_IN


# --- POST /windows/{id}/call-next ----------------------------------------------------------


def test_staff_of_the_hall_call_the_next_and_the_last_one_is_served(client, hall, clerk):
    window = hall.windows.get(number=1)
    first = queue.take_ticket(point=hall, matter="household_move_in")
    second = queue.take_ticket(point=hall, matter="household_move_in")
    response = call_next(client, window.pk, clerk)
    assert response.status_code == 200, response.json()
    assert response.json()["label"] == first.label and response.json()["window"] == window.pk
    assert call_next(client, window.pk, clerk).json()["ticket"] == second.pk
    assert status_of(first) == Ticket.Status.DONE


def test_nobody_waiting_is_409_and_a_remote_number_on_its_way_is_not_called(
    client, hall, clerk, remote
):
    response = call_next(client, hall.windows.get(number=1).pk, clerk)
    assert response.status_code == 409 and response.json()["message"]
    assert status_of(remote) == Ticket.Status.WAITING


def test_a_window_is_404_to_residents_and_staff_of_another_hall_and_401_to_nobody(
    client, hall, other_clerk
):
    ticket = queue.take_ticket(point=hall, matter="household_move_in")
    window = hall.windows.get(number=1)
    assert call_next(client, window.pk, make_resident(2)).status_code == 404
    assert call_next(client, window.pk, other_clerk).status_code == 404
    assert call_next(client, window.pk).status_code == 401
    assert status_of(ticket) == Ticket.Status.CHECKED_IN


@pytest.mark.parametrize("window_id", NOT_IDS)
def test_a_window_id_that_is_not_a_number_is_400_naming_it(client, clerk, window_id):
    response = call_next(client, window_id, clerk)
    assert response.status_code == 400 and fields(response) == {"window_id"}


@pytest.mark.parametrize("window_id", ["0", "-3", "99999999", "9" * 40])
def test_an_unknown_window_is_404(client, clerk, window_id):
    assert call_next(client, window_id, clerk).status_code == 404


def test_the_points_list_gives_each_windows_id_for_calling_the_next(client, hall):
    windows = client.get(f"{API}/points").json()[0]["windows"]
    assert [w["id"] for w in windows] == list(
        hall.windows.order_by("number").values_list("pk", flat=True)
    )
