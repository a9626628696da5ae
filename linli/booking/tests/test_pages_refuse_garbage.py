"""Garbage posted to the booking pages is refused with a 4xx and the form again, never a 500,
and nothing is stored or changed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from linli.booking import actions, queue
from linli.booking.models import Booking, Ticket, Visit
from linli.booking.tests.conftest import at, make_point, make_resident, next_workday

pytestmark = pytest.mark.django_db

NOT_IDS = ["abc", "1.5", "-3", "1e3", "²", "9" * 40, "1 OR 1=1"]


def refused(response) -> bool:
    return 400 <= response.status_code < 500 and b'class="messages"' in response.content


@pytest.mark.parametrize("garbage", NOT_IDS)
def test_booking_with_an_officer_that_is_not_a_number_is_refused(client, garbage):
    point, resident = make_point(), make_resident(1)
    client.force_login(resident)
    starts = at(next_workday(), 9).isoformat()
    response = client.post(
        f"/booking/points/{point.pk}/book/", {"starts_at": starts, "officer": garbage}
    )
    assert response.status_code == 400 and refused(response)
    assert not Booking.objects.exists()


@pytest.mark.parametrize("garbage", NOT_IDS)
def test_moving_a_booking_that_is_not_a_number_is_refused(client, garbage):
    point, resident = make_point(), make_resident(1)
    day = next_workday()
    booking = actions.book(person=resident, point=point, starts_at=at(day, 9))
    client.force_login(resident)
    response = client.post(
        f"/booking/points/{point.pk}/book/", {"starts_at": at(day, 10).isoformat(), "move": garbage}
    )
    assert response.status_code == 400 and refused(response)
    assert list(Booking.objects.all()) == [booking]
    assert Booking.objects.get().slot.starts_at == at(day, 9)


def test_an_unknown_officer_and_someone_elses_booking_are_refused(client):
    point, resident, other = make_point(), make_resident(1), make_resident(2)
    day = next_workday()
    theirs = actions.book(person=other, point=point, starts_at=at(day, 9))
    client.force_login(resident)
    url, starts = f"/booking/points/{point.pk}/book/", at(day, 10).isoformat()
    assert refused(client.post(url, {"starts_at": starts, "officer": "99999999"}))
    moved = client.post(url, {"starts_at": starts, "move": theirs.pk})
    assert moved.status_code == 404 and refused(moved)
    assert list(Booking.objects.all()) == [theirs]
    assert Booking.objects.get().slot.starts_at == at(day, 9)


@pytest.mark.parametrize("starts_at", ["", "tomorrow", "2030-02-30T09:00", "2030-01-07T25:00"])
def test_booking_without_a_real_time_shows_the_form_again(client, starts_at):
    point = make_point()
    client.force_login(make_resident(1))
    response = client.post(f"/booking/points/{point.pk}/book/", {"starts_at": starts_at})
    assert response.status_code == 400 and refused(response)
    assert b'id="book-form"' in response.content or b'id="closed"' in response.content
    assert not Booking.objects.exists()


@pytest.mark.parametrize("field", ["check_in", "complete", "no_show"])
@pytest.mark.parametrize("garbage", ["", " ", *NOT_IDS])
def test_a_window_refuses_a_button_value_that_is_not_a_number(
    client, station, window_clerk, field, garbage
):
    point = make_point(unit=station)
    window = point.windows.get(number=1)
    remote = queue.take_ticket(point=point, matter="household_move_in", remote=True)
    on_site = queue.take_ticket(point=point, matter="household_move_in")
    client.force_login(window_clerk)
    response = client.post(f"/booking/windows/{window.pk}/", {field: garbage})
    assert response.status_code == 400 and refused(response)
    statuses = dict(Ticket.objects.values_list("pk", "status"))
    assert statuses == {remote.pk: Ticket.Status.WAITING, on_site.pk: Ticket.Status.CHECKED_IN}


def test_a_window_answers_an_unknown_ticket_with_a_message(client, station, window_clerk):
    point = make_point(unit=station)
    window = point.windows.get(number=1)
    client.force_login(window_clerk)
    response = client.post(f"/booking/windows/{window.pk}/", {"check_in": "99999999"}, follow=True)
    assert response.status_code == 200 and b'class="messages"' in response.content
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    "place", [{}, {"lon": "east", "lat": "30.7"}, {"lon": "nan", "lat": "nan"}, {"lon": "1e999"}]
)
def test_asking_for_a_visit_without_a_real_place_is_refused(client, place):
    client.force_login(make_resident(1))
    response = client.post("/booking/visits/", {"address": "工地", **place})
    assert response.status_code == 400 and refused(response)
    assert not Visit.objects.exists()


@pytest.mark.parametrize("moment", ["", "soon", "2030-02-30T10:00"])
def test_proposing_a_visit_without_a_real_time_is_refused(client, moment):
    officer, resident = make_resident(9), make_resident(1)
    visit = Visit.objects.create(
        reference="VTEST0001", resident=resident, officer=officer, lon=120.7, lat=30.7
    )
    client.force_login(officer)
    response = client.post(f"/booking/visits/{visit.pk}/propose/", {"at": moment})
    assert response.status_code == 400 and refused(response)
    visit.refresh_from_db()
    assert visit.status == Visit.Status.REQUESTED and visit.proposed_at is None


def test_a_well_formed_booking_still_goes_through(client):
    point, resident = make_point(), make_resident(1)
    client.force_login(resident)
    starts = at(next_workday(), 9) + timedelta(minutes=30)
    response = client.post(
        f"/booking/points/{point.pk}/book/", {"starts_at": starts.isoformat(), "officer": ""}
    )
    assert response.status_code == 302
    assert Booking.objects.get().slot.starts_at == starts
