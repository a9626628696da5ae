"""Every change a booking action makes is an audit event written in its transaction: who, what,
before and after. A refused action changes nothing and writes nothing. (Door-to-door visits are
audited in test_demo_city.py, where the places they are routed by exist.)"""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from linli.booking import actions, queue
from linli.booking.actions import BookingError
from linli.booking.models import Booking, PlanException, ServicePoint, Slot, Ticket
from linli.booking.tests.conftest import at, make_point, make_resident, next_workday
from linli.core.audit import AuditKind
from linli.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def booking_events():
    """The audit events of the booking app (600–699; the migrations wrote others before)."""
    return AuditEvent.objects.filter(kind__gte=600, kind__lt=700).order_by("id")


def written() -> list[AuditKind]:
    """The kinds of the booking audit events written so far, oldest first."""
    return [AuditKind(k) for k in booking_events().values_list("kind", flat=True)]


def last_event() -> AuditEvent:
    return booking_events().last()


@pytest.fixture
def point(station) -> ServicePoint:
    """The station's hall: the window clerk works here."""
    return make_point(unit=station)


@pytest.fixture
def day():
    return next_workday()


@pytest.fixture
def booked(point, resident, day) -> Booking:
    booking = actions.book(person=resident, point=point, starts_at=at(day, 9), now=at(day, 8))
    booking_events().delete()  # each test counts from here
    return booking


# --- bookings --------------------------------------------------------------------------------


def test_booking_writes_one_event_naming_the_resident_the_time_and_the_matter(point, resident, day):
    booking = actions.book(
        person=resident,
        point=point,
        starts_at=at(day, 9, 30),
        matter="household_move_in",
        now=at(day, 8),
    )
    assert written() == [AuditKind.BOOKING_MADE]
    event = last_event()
    assert event.actor == resident and event.object_id == str(booking.pk)
    assert event.object_type == "booking.booking" and event.object_repr == booking.reference
    assert event.after == {
        "status": "booked",
        "point": point.pk,
        "starts_at": at(day, 9, 30).isoformat(),
        "matter": "household_move_in",
        "officer": None,
    }


def test_a_full_slot_a_closed_day_and_a_past_time_are_refused_without_an_event(
    point, resident, day
):
    for n in (2, 3):  # capacity 2
        actions.book(person=make_resident(n), point=point, starts_at=at(day, 9), now=at(day, 8))
    PlanException.objects.create(point=point, date=day + timedelta(days=1), is_open=False)
    before = booking_events().count()
    refusals = [
        at(day, 9),  # full
        at(day + timedelta(days=1), 9),  # closed
        at(day, 7, 30),  # no slot starts then
    ]
    for starts_at in refusals:
        with pytest.raises(BookingError):
            actions.book(person=resident, point=point, starts_at=starts_at, now=at(day, 8))
    with pytest.raises(BookingError, match="passed"):
        actions.book(person=resident, point=point, starts_at=at(day, 9, 30), now=at(day, 10))
    assert booking_events().count() == before
    assert not Booking.objects.filter(person=resident).exists()


def test_cancelling_writes_one_event_and_cancelling_again_none(booked, resident, day):
    actions.cancel(booked, actor=resident, now=at(day, 8))
    assert written() == [AuditKind.BOOKING_CANCELLED]
    event = last_event()
    assert event.actor == resident
    assert (event.before, event.after) == ({"status": "booked"}, {"status": "cancelled"})
    with pytest.raises(BookingError):
        actions.cancel(booked, actor=resident, now=at(day, 8))
    assert written() == [AuditKind.BOOKING_CANCELLED]


def test_moving_a_booking_writes_the_old_and_new_time_and_a_refused_move_nothing(
    point, booked, resident, day
):
    actions.reschedule(booked, starts_at=at(day, 10), actor=resident, now=at(day, 8))
    assert written() == [AuditKind.BOOKING_RESCHEDULED]
    event = last_event()
    assert event.before == {"starts_at": at(day, 9).isoformat()}
    assert event.after == {"starts_at": at(day, 10).isoformat()}
    for n in (2, 3):
        actions.book(person=make_resident(n), point=point, starts_at=at(day, 11), now=at(day, 8))
    booking_events().delete()
    with pytest.raises(BookingError, match="fully booked"):
        actions.reschedule(booked, starts_at=at(day, 11), actor=resident, now=at(day, 8))
    assert written() == []
    assert Booking.objects.get(pk=booked.pk).slot.starts_at == at(day, 10)


def test_a_window_marks_a_booking_served_or_not_come_with_one_event_each(
    point, booked, window_clerk, day
):
    other = actions.book(person=make_resident(2), point=point, starts_at=at(day, 9), now=at(day, 8))
    booking_events().delete()
    actions.complete(booked, actor=window_clerk, now=at(day, 9, 20))
    actions.mark_no_show(other, actor=window_clerk, now=at(day, 9, 40))
    assert written() == [AuditKind.BOOKING_COMPLETED, AuditKind.BOOKING_NO_SHOW]
    completed, no_show = booking_events()
    assert completed.actor == window_clerk and completed.object_id == str(booked.pk)
    assert completed.after == {"status": "completed"}
    assert no_show.before == {"status": "booked"} and no_show.after == {"status": "no_show"}


def test_closing_a_booking_too_early_or_twice_writes_nothing(booked, window_clerk, day):
    with pytest.raises(BookingError, match="later day"):
        actions.complete(booked, actor=window_clerk, now=at(day - timedelta(days=1), 17))
    with pytest.raises(BookingError, match="not begun"):
        actions.mark_no_show(booked, actor=window_clerk, now=at(day, 8, 59))
    actions.complete(booked, actor=window_clerk, now=at(day, 9, 20))
    with pytest.raises(BookingError, match="no longer active"):
        actions.mark_no_show(booked, actor=window_clerk, now=at(day, 9, 40))
    assert written() == [AuditKind.BOOKING_COMPLETED]


def test_an_event_that_cannot_be_written_undoes_the_booking(point, resident, day, monkeypatch):
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(actions, "record", broken)
    with pytest.raises(RuntimeError):
        actions.book(person=resident, point=point, starts_at=at(day, 9), now=at(day, 8))
    assert not Booking.objects.exists()
    assert Slot.objects.get(point=point, starts_at=at(day, 9)).booked == 0


# --- queue tickets ---------------------------------------------------------------------------


def test_taking_a_number_writes_one_event_and_an_unserved_matter_none(point, resident, day):
    ticket = queue.take_ticket(
        point=point, matter="household_move_in", person=resident, remote=True, now=at(day, 9)
    )
    assert written() == [AuditKind.TICKET_TAKEN]
    event = last_event()
    assert event.actor == resident and event.object_repr == ticket.label == "R001"
    assert event.after == {
        "status": "waiting",
        "point": point.pk,
        "matter": "household_move_in",
        "arrive_by": at(day, 10).isoformat(),
    }
    with pytest.raises(BookingError):
        queue.take_ticket(point=point, matter="passport", person=resident, now=at(day, 9))
    assert written() == [AuditKind.TICKET_TAKEN]


def test_checking_in_writes_one_event_and_a_second_check_in_none(
    point, resident, window_clerk, day
):
    ticket = queue.take_ticket(point=point, person=resident, remote=True, now=at(day, 9))
    booking_events().delete()
    queue.check_in(ticket, actor=window_clerk, now=at(day, 9, 20))
    assert written() == [AuditKind.TICKET_CHECKED_IN]
    event = last_event()
    assert event.actor == window_clerk and event.before == {"status": "waiting"}
    assert event.after == {
        "status": "checked_in",
        "checked_in_at": at(day, 9, 20).isoformat(),
        "by": "staff",
    }
    with pytest.raises(BookingError, match="not waiting"):
        queue.check_in(ticket, actor=window_clerk, now=at(day, 9, 21))
    assert written() == [AuditKind.TICKET_CHECKED_IN]


def test_a_late_check_in_expires_the_number_and_writes_that_alone(point, resident, day):
    ticket = queue.take_ticket(point=point, person=resident, remote=True, now=at(day, 9))
    booking_events().delete()
    with pytest.raises(BookingError, match="take a new number"):
        queue.check_in(ticket, actor=resident, now=at(day, 10, 1))
    assert written() == [AuditKind.TICKET_EXPIRED]
    assert last_event().after == {"status": "expired"}


def test_calling_the_next_writes_the_call_then_the_service_and_the_booking_it_completes(
    point, booked, resident, window_clerk, day
):
    window = point.windows.get(number=1)
    ticket = queue.take_ticket(point=point, person=resident, now=at(day, 9))
    booking_events().delete()
    assert queue.call_next(window, actor=window_clerk, now=at(day, 9, 1)) == ticket
    assert written() == [AuditKind.TICKET_CALLED]
    called = last_event()
    assert called.actor == window_clerk and called.object_id == str(ticket.pk)
    assert called.before == {"status": "checked_in"}
    assert called.after == {"status": "called", "window": 1, "called_at": at(day, 9, 1).isoformat()}

    booking_events().delete()
    assert queue.call_next(window, actor=window_clerk, now=at(day, 9, 8)) is None
    assert written() == [AuditKind.TICKET_SERVED, AuditKind.BOOKING_COMPLETED]
    served, completed = booking_events()
    assert served.object_id == str(ticket.pk) and served.after["status"] == "done"
    assert completed.object_id == str(booked.pk) and completed.after["ticket"] == "A001"

    booking_events().delete()
    assert queue.call_next(window, actor=window_clerk, now=at(day, 9, 9)) is None
    assert written() == []  # nobody served, nobody waiting: nothing changed


def test_the_sweep_writes_one_event_per_number_it_expires(point, resident, day):
    late = [
        queue.take_ticket(point=point, person=make_resident(n), remote=True, now=at(day, 9))
        for n in (2, 3)
    ]
    queue.take_ticket(point=point, person=resident, remote=True, now=at(day, 9, 30))
    booking_events().delete()
    assert queue.expire_late(at(day, 10, 15)) == 2
    assert written() == [AuditKind.TICKET_EXPIRED] * 2
    events = booking_events()
    assert {e.object_id for e in events} == {str(t.pk) for t in late}
    assert all(e.actor is None and e.after == {"status": "expired"} for e in events)
    assert queue.expire_late(at(day, 10, 15)) == 0
    assert len(written()) == 2
    assert Ticket.objects.filter(status=Ticket.Status.EXPIRED).count() == 2


def test_an_on_site_number_is_not_expired_by_the_sweep(point, day):
    queue.take_ticket(point=point, now=at(day, 9))
    booking_events().delete()
    assert queue.expire_late(at(day, 17)) == 0 and written() == []


def test_times_are_kept_in_local_time_with_their_offset(point, resident, day):
    PlanException.objects.create(point=point, date=day, is_open=True, opens=time(0), closes=time(3))
    actions.book(person=resident, point=point, starts_at=at(day, 0, 30), now=at(day, 0))
    assert last_event().after["starts_at"].endswith("+08:00")
