"""Booking, cancelling and rescheduling through the actions; the calendar decides open days."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from linli.booking import actions, schedule
from linli.booking.actions import BookingError
from linli.booking.models import Booking, PlanException, Slot
from linli.booking.tests.conftest import at, make_resident
from linli.core.models import CalendarYear, Holiday

pytestmark = pytest.mark.django_db


def test_a_working_day_has_slots_created_on_demand(point, workday):
    assert not Slot.objects.filter(point=point).exists()
    slots = schedule.slots_for(point, workday)
    assert [s.starts_at for s in slots[:2]] == [at(workday, 9), at(workday, 9, 30)]
    assert len(slots) == 6 and all(s.capacity == 2 for s in slots)
    assert len(schedule.slots_for(point, workday)) == 6
    assert Slot.objects.filter(point=point).count() == 6


def test_a_statutory_holiday_is_closed_and_an_adjusted_saturday_is_open(point):
    holiday = Holiday.objects.filter(kind=Holiday.Kind.HOLIDAY).order_by("-date").first()
    workday = Holiday.objects.filter(kind=Holiday.Kind.WORKDAY).order_by("-date").first()
    if holiday.date.weekday() < 5:
        assert schedule.slots_for(point, holiday.date) == []
    assert workday.date.weekday() >= 5
    assert len(schedule.slots_for(point, workday.date)) == 6  # Monday's plan


def _entered_days() -> list[date]:
    year = CalendarYear.objects.order_by("-year").first().year
    return [date(year, 1, 1) + timedelta(days=n) for n in range(365)]


def _ordinary_weekend_day(weekday: int) -> date:
    listed = set(Holiday.objects.values_list("date", flat=True))
    return next(d for d in _entered_days() if d.weekday() == weekday and d not in listed)


def _holiday(*, weekend: bool) -> date:
    days = Holiday.objects.filter(kind=Holiday.Kind.HOLIDAY).values_list("date", flat=True)
    return next(d for d in days if (d.weekday() >= 5) == weekend)


def _plan_every_day(point) -> None:
    schedule.open_plan(
        point, weekdays=range(7), opens=time(9), closes=time(12), slot_minutes=30, capacity=2
    )


def test_an_ordinary_weekend_follows_the_weekly_plan(point):
    schedule.open_plan(
        point, weekdays=range(5, 6), opens=time(9), closes=time(11), slot_minutes=30, capacity=3
    )
    saturday, sunday = _ordinary_weekend_day(5), _ordinary_weekend_day(6)
    assert schedule.opening_on(point, saturday) == schedule.Opening(time(9), time(11), 30, 3)
    assert len(schedule.slots_for(point, saturday)) == 4
    assert schedule.opening_on(point, sunday) is None  # no hours planned on Sunday


def test_a_point_without_weekend_hours_is_closed_on_an_ordinary_weekend(point):
    assert schedule.opening_on(point, _ordinary_weekend_day(5)) is None
    assert schedule.opening_on(point, _ordinary_weekend_day(6)) is None


def test_a_public_holiday_is_closed_even_when_the_plan_has_hours_that_day(point):
    _plan_every_day(point)
    assert schedule.opening_on(point, _holiday(weekend=False)) is None
    assert schedule.opening_on(point, _holiday(weekend=True)) is None


def test_an_exception_opens_a_public_holiday(point):
    holiday = _holiday(weekend=False)
    PlanException.objects.create(
        point=point, date=holiday, is_open=True, opens=time(10), closes=time(11), note="节日值班"
    )
    assert [s.starts_at for s in schedule.slots_for(point, holiday)] == [
        at(holiday, 10),
        at(holiday, 10, 30),
    ]


def test_an_adjusted_working_weekend_day_uses_its_own_plan_when_it_has_one(point):
    workday = Holiday.objects.filter(kind=Holiday.Kind.WORKDAY).order_by("-date").first().date
    schedule.open_plan(
        point, weekdays=range(5, 7), opens=time(13), closes=time(14), slot_minutes=30, capacity=1
    )
    assert schedule.opening_on(point, workday) == schedule.Opening(time(13), time(14), 30, 1)


def test_an_exception_closes_a_date_and_booking_it_is_refused(point, resident, workday):
    PlanException.objects.create(point=point, date=workday, is_open=False, note="停电")
    with pytest.raises(BookingError) as refused:
        actions.book(person=resident, point=point, starts_at=at(workday, 9))
    assert refused.value.field == "starts_at" and "closed" in refused.value.message
    assert not Booking.objects.exists()


def test_a_resident_books_cancels_and_the_place_is_free_again(point, resident, workday):
    booking = actions.book(
        person=resident, point=point, starts_at=at(workday, 9), matter="household_move_in"
    )
    assert booking.reference.startswith("B") and booking.slot.starts_at == at(workday, 9)
    assert Slot.objects.get(pk=booking.slot_id).booked == 1
    actions.cancel(booking, actor=resident)
    assert Slot.objects.get(pk=booking.slot_id).booked == 0
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CANCELLED
    with pytest.raises(BookingError):
        actions.cancel(booking, actor=resident)


def test_the_same_person_cannot_book_one_slot_twice(point, resident, workday):
    actions.book(person=resident, point=point, starts_at=at(workday, 9))
    with pytest.raises(BookingError) as refused:
        actions.book(person=resident, point=point, starts_at=at(workday, 9))
    assert refused.value.status == 409
    assert Slot.objects.get(point=point, starts_at=at(workday, 9)).booked == 1


def test_a_full_slot_and_a_past_slot_are_refused(point, workday):
    for n in (1, 2):
        actions.book(person=make_resident(n), point=point, starts_at=at(workday, 10))
    with pytest.raises(BookingError, match="fully booked"):
        actions.book(person=make_resident(3), point=point, starts_at=at(workday, 10))
    later = at(workday, 11)
    with pytest.raises(BookingError, match="passed"):
        actions.book(person=make_resident(4), point=point, starts_at=at(workday, 9), now=later)
    assert Booking.objects.count() == 2


def test_a_time_that_is_not_a_slot_start_is_refused(point, resident, workday):
    with pytest.raises(BookingError, match="no slot"):
        actions.book(person=resident, point=point, starts_at=at(workday, 9, 10))


def test_rescheduling_takes_the_new_place_and_frees_the_old(point, resident, workday):
    booking = actions.book(person=resident, point=point, starts_at=at(workday, 9))
    old_slot = booking.slot_id
    moved = actions.reschedule(booking, starts_at=at(workday, 10), actor=resident)
    assert moved.slot.starts_at == at(workday, 10)
    assert Slot.objects.get(pk=old_slot).booked == 0
    assert Slot.objects.get(pk=moved.slot_id).booked == 1


def test_rescheduling_into_a_full_slot_changes_nothing(point, resident, workday):
    booking = actions.book(person=resident, point=point, starts_at=at(workday, 9))
    for n in (2, 3):
        actions.book(person=make_resident(n), point=point, starts_at=at(workday, 10))
    with pytest.raises(BookingError, match="fully booked"):
        actions.reschedule(booking, starts_at=at(workday, 10), actor=resident)
    booking.refresh_from_db()
    assert booking.slot.starts_at == at(workday, 9) and booking.slot.booked == 1


def test_counts_per_matter_are_accepted_and_completed(point, workday):
    from linli.booking.stats import counts

    a = actions.book(
        person=make_resident(1), point=point, starts_at=at(workday, 9), matter="passport"
    )
    actions.book(person=make_resident(2), point=point, starts_at=at(workday, 9), matter="passport")
    c = actions.book(
        person=make_resident(3), point=point, starts_at=at(workday, 10), matter="passport"
    )
    actions.complete(a, actor=a.person, now=at(workday, 9, 20))
    actions.cancel(c, actor=c.person)
    rows = counts(workday - timedelta(days=1), workday)
    assert rows == [{"matter": "passport", "accepted": 2, "completed": 1}]
    assert counts(date(2000, 1, 1), date(2000, 1, 2)) == []
