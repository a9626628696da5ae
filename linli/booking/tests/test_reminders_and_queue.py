"""The reminder the day before goes out through the real worker; the window queue calls in
order and estimates the wait from recent service times."""

from __future__ import annotations

from datetime import timedelta

import pytest

from linli.booking import actions, queue
from linli.booking.actions import BookingError
from linli.booking.models import Booking, Ticket
from linli.booking.tests.conftest import (
    at,
    at_the_hall,
    make_point,
    make_resident,
    next_workday,
)
from linli.core import worker
from linli.people.models import SmsMessage


@pytest.mark.django_db(transaction=True)
def test_the_worker_texts_a_reminder_the_day_before_once():
    point = make_point()
    day = next_workday()
    evening_before = at(day - timedelta(days=1), 18)
    resident = make_resident(1)
    booking = actions.book(
        person=resident, point=point, starts_at=at(day, 9, 30), now=evening_before
    )
    cancelled = actions.book(
        person=make_resident(2), point=point, starts_at=at(day, 9), now=evening_before
    )
    actions.cancel(cancelled, actor=cancelled.person, now=evening_before)

    worker.run(once=True, now=evening_before)
    worker.run(once=True, now=evening_before)

    messages = list(SmsMessage.objects.all())
    assert len(messages) == 1
    assert messages[0].phone == resident.phone
    assert booking.reference in messages[0].body and "09:30" in messages[0].body
    assert Booking.objects.get(pk=booking.pk).reminded_at is not None


@pytest.mark.django_db
def test_a_window_calls_checked_in_tickets_of_its_matters_in_order():
    point = make_point()
    household, permits = point.windows.order_by("number")
    now = at(next_workday(), 9)
    remote = queue.take_ticket(
        point=point, matter="household_move_in", remote=True, now=now, person=make_resident(1)
    )
    on_site = queue.take_ticket(point=point, matter="household_move_in", now=now)
    permit = queue.take_ticket(point=point, matter="zhejiang_residence_permit", now=now)
    assert (
        queue.call_next(household, actor=None, now=now) == on_site
    )  # the remote one has not arrived
    arrived = now + timedelta(minutes=10)
    queue.check_in(remote, actor=remote.person, presence=at_the_hall(point, arrived), now=arrived)
    assert queue.call_next(household, actor=None, now=now + timedelta(minutes=12)) == remote
    assert Ticket.objects.get(pk=on_site.pk).status == Ticket.Status.DONE
    assert queue.call_next(permits, actor=None, now=now) == permit
    assert queue.call_next(household, actor=None, now=now + timedelta(minutes=20)) is None


@pytest.mark.django_db
def test_a_remote_ticket_not_checked_in_by_its_time_expires():
    point = make_point()
    now = at(next_workday(), 9)
    ticket = queue.take_ticket(point=point, remote=True, now=now, arrive_within=timedelta(hours=1))
    with pytest.raises(BookingError, match="arrive"):
        queue.check_in(ticket, actor=None, now=now + timedelta(hours=2))
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.EXPIRED


@pytest.mark.django_db
def test_the_wait_is_the_median_service_time_times_the_people_ahead():
    point = make_point()
    household = point.windows.get(number=1)
    start = at(next_workday(), 9)
    for minutes in (4, 6, 20):  # median 6 minutes
        queue.take_ticket(point=point, matter="household_move_in", now=start)
        queue.call_next(household, actor=None, now=start)
        start += timedelta(minutes=minutes)
    queue.call_next(household, actor=None, now=start)  # finishes the last one
    for _ in range(3):
        queue.take_ticket(point=point, matter="household_move_in", now=start)
    assert queue.service_time([household]) == timedelta(minutes=6)
    assert queue.estimated_wait(point, "household_move_in", 3) == timedelta(minutes=18)
    board = {s.window.number: s for s in queue.board(point, now=start)}
    assert board[1].waiting == 3 and board[1].wait_minutes == 18
    assert board[2].waiting == 0


@pytest.mark.django_db
def test_the_sweep_expires_remote_numbers_that_did_not_arrive_and_they_leave_the_queue():
    point = make_point()
    now = at(next_workday(), 9)
    late = queue.take_ticket(point=point, remote=True, now=now, arrive_within=timedelta(hours=1))
    on_time = queue.take_ticket(point=point, remote=True, now=now, arrive_within=timedelta(hours=3))
    assert queue.expire_late(now + timedelta(hours=2)) == 1
    assert Ticket.objects.get(pk=late.pk).status == Ticket.Status.EXPIRED
    assert queue.position(on_time) == 0
