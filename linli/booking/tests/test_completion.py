"""Bookings are closed from the records of the day: serving a booked visitor's queue number
completes their booking, and the window page marks today's bookings served or not come, so
the accepted and completed counts come from what happened."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.utils import timezone

from linli.booking import actions, queue
from linli.booking.actions import BookingError
from linli.booking.models import Booking, PlanException, ServicePoint
from linli.booking.stats import counts
from linli.booking.tests.conftest import at, make_point, make_resident, next_workday
from linli.people.models import User

pytestmark = pytest.mark.django_db


def open_all_day_today(point: ServicePoint) -> None:
    """Today is open from midnight whatever the calendar says, so a test can book it."""
    PlanException.objects.create(
        point=point, date=timezone.localdate(), is_open=True, opens=time(0), closes=time(12)
    )


def book_today(point: ServicePoint, person: User, matter: str = "household_move_in") -> Booking:
    today = timezone.localdate()
    just_before = at(today, 0) - timedelta(minutes=1)
    return actions.book(
        person=person, point=point, starts_at=at(today, 0), matter=matter, now=just_before
    )


def test_serving_a_booked_visitors_number_completes_their_booking():
    point, visitor, other = make_point(), make_resident(1), make_resident(2)
    household = point.windows.get(number=1)
    day = next_workday()
    early = at(day, 8)
    booking = actions.book(
        person=visitor, point=point, starts_at=at(day, 9), matter="household_move_in", now=early
    )
    not_served = actions.book(person=other, point=point, starts_at=at(day, 9), now=early)
    later = actions.book(person=visitor, point=point, starts_at=at(next_workday(day), 9), now=early)
    ticket = queue.take_ticket(
        point=point, matter="household_move_in", person=visitor, now=at(day, 9)
    )
    assert queue.call_next(household, actor=None, now=at(day, 9, 1)) == ticket
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.BOOKED  # being served

    queue.call_next(household, actor=None, now=at(day, 9, 10))

    served = Booking.objects.get(pk=booking.pk)
    assert served.status == Booking.Status.COMPLETED and served.completed_at == at(day, 9, 10)
    assert Booking.objects.get(pk=not_served.pk).status == Booking.Status.BOOKED
    assert Booking.objects.get(pk=later.pk).status == Booking.Status.BOOKED  # another day
    assert counts(day, day) == [
        {"matter": "", "accepted": 1, "completed": 0},
        {"matter": "household_move_in", "accepted": 1, "completed": 1},
    ]


def test_an_anonymous_number_completes_no_booking():
    point, visitor = make_point(), make_resident(1)
    day = next_workday()
    booking = actions.book(person=visitor, point=point, starts_at=at(day, 9), now=at(day, 8))
    queue.take_ticket(point=point, now=at(day, 9))
    window = point.windows.get(number=1)
    queue.call_next(window, actor=None, now=at(day, 9))
    queue.call_next(window, actor=None, now=at(day, 9, 5))
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.BOOKED


def test_a_booking_is_completed_once_and_not_before_its_day(point, resident):
    day = next_workday()
    booking = actions.book(person=resident, point=point, starts_at=at(day, 9), now=at(day, 8))
    with pytest.raises(BookingError, match="later day"):
        actions.complete(booking, actor=resident, now=at(day - timedelta(days=1), 17))
    with pytest.raises(BookingError, match="not begun"):
        actions.mark_no_show(booking, actor=resident, now=at(day, 8, 59))
    actions.complete(booking, actor=resident, now=at(day, 9, 15))
    with pytest.raises(BookingError, match="no longer active"):
        actions.mark_no_show(booking, actor=resident, now=at(day, 10))
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.COMPLETED


def test_the_window_page_marks_todays_bookings_served_or_not_come(client, station, window_clerk):
    point = make_point(unit=station)
    open_all_day_today(point)
    came, stayed_away = make_resident(1), make_resident(2)
    served, absent = book_today(point, came), book_today(point, stayed_away)
    window = point.windows.get(number=1)
    client.force_login(window_clerk)
    page = client.get(f"/booking/windows/{window.pk}/").content.decode()
    assert served.reference in page and absent.reference in page
    assert came.full_name not in page  # the name is masked

    client.post(f"/booking/windows/{window.pk}/", {"complete": served.pk})
    client.post(f"/booking/windows/{window.pk}/", {"no_show": absent.pk})

    assert Booking.objects.get(pk=served.pk).status == Booking.Status.COMPLETED
    assert Booking.objects.get(pk=absent.pk).status == Booking.Status.NO_SHOW
    page = client.get(f"/booking/windows/{window.pk}/").content.decode()
    still_open = page.split('id="todays-bookings"')[1]
    assert served.reference not in still_open and absent.reference not in still_open
    today = timezone.localdate()
    assert counts(today, today) == [{"matter": "household_move_in", "accepted": 2, "completed": 1}]


def test_a_window_closes_only_todays_bookings_of_its_own_point(client, station, window_clerk):
    point = make_point(unit=station)
    elsewhere = make_point(name="别处大厅")
    open_all_day_today(point)
    open_all_day_today(elsewhere)
    resident = make_resident(1)
    other_point = book_today(elsewhere, resident)
    tomorrow = actions.book(
        person=resident,
        point=point,
        starts_at=at(next_workday(timezone.localdate()), 9),
        matter="household_move_in",
    )
    window = point.windows.get(number=1)
    client.force_login(window_clerk)
    for booking in (other_point, tomorrow):
        response = client.post(f"/booking/windows/{window.pk}/", {"complete": booking.pk})
        assert response.status_code == 302
        assert Booking.objects.get(pk=booking.pk).status == Booking.Status.BOOKED


def test_someone_who_does_not_work_at_the_point_cannot_close_a_booking(client, station):
    point = make_point(unit=station)
    open_all_day_today(point)
    booking = book_today(point, make_resident(1))
    client.force_login(make_resident(2))
    window = point.windows.get(number=1)
    response = client.post(f"/booking/windows/{window.pk}/", {"complete": booking.pk})
    assert response.status_code == 404
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.BOOKED
