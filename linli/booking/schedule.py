"""When a point is open on a date, and its slots (created on demand)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction

from linli.booking.models import OpeningPlan, ServicePoint, Slot
from linli.core import workdays
from linli.core.models import Holiday


@dataclass(frozen=True)
class Opening:
    opens: time
    closes: time
    slot_minutes: int
    capacity: int


def opening_on(point: ServicePoint, day: date) -> Opening | None:
    """The day's opening, or None when closed. An exception for the date wins. Otherwise a
    statutory holiday is closed, a 调休 weekend workday follows its own weekday's plan or else
    Monday's, and any other day (an ordinary weekend too) follows its weekday's plan."""
    exception = point.exceptions.filter(date=day).first()
    monday = point.plans.filter(weekday=0).first()
    plan = point.plans.filter(weekday=day.weekday()).first() or None
    if exception is not None:
        if not exception.is_open:
            return None
        base = plan or monday
        opens = exception.opens or (base.opens if base else time(9))
        closes = exception.closes or (base.closes if base else time(17))
        minutes = base.slot_minutes if base else 30
        capacity = exception.capacity or (base.capacity if base else 4)
        return Opening(opens, closes, minutes, capacity)
    try:
        working = workdays.is_working_day(day)
    except workdays.CalendarYearMissing:
        return None
    if working and plan is None and day.weekday() >= 5:
        plan = monday  # an adjusted workday (调休上班)
    if plan is None or (not working and _is_holiday(day)):
        return None
    return Opening(plan.opens, plan.closes, plan.slot_minutes, plan.capacity)


def _is_holiday(day: date) -> bool:
    """A statutory holiday, as opposed to an ordinary weekend: a weekday off can only be one,
    and a weekend day is one when the calendar lists it inside a holiday block."""
    return day.weekday() < 5 or Holiday.objects.filter(date=day, kind=Holiday.Kind.HOLIDAY).exists()


def _starts(day: date, opening: Opening) -> list[tuple[datetime, datetime]]:
    zone = workdays.local_zone()
    step = timedelta(minutes=opening.slot_minutes)
    start = datetime.combine(day, opening.opens, tzinfo=zone)
    end = datetime.combine(day, opening.closes, tzinfo=zone)
    periods = []
    while start + step <= end:
        periods.append((start, start + step))
        start += step
    return periods


def slots_for(point: ServicePoint, day: date) -> list[Slot]:
    """The day's slots, created lazily; an empty list on a closed day."""
    opening = opening_on(point, day)
    if opening is None:
        return []
    periods = _starts(day, opening)
    existing = {s.starts_at: s for s in Slot.objects.filter(point=point, date=day)}
    if len(existing) < len(periods):
        with transaction.atomic():
            for start, end in periods:
                if start not in existing:
                    existing[start], _ = Slot.objects.get_or_create(
                        point=point,
                        starts_at=start,
                        defaults={"date": day, "ends_at": end, "capacity": opening.capacity},
                    )
    return sorted(existing.values(), key=lambda s: s.starts_at)


def slot_at(point: ServicePoint, starts_at: datetime) -> Slot | None:
    day = starts_at.astimezone(workdays.local_zone()).date()
    for slot in slots_for(point, day):
        if slot.starts_at == starts_at:
            return slot
    return None


def open_plan(point: ServicePoint, *, weekdays: range = range(5), **hours: object) -> None:
    """Give a point the same plan on each of ``weekdays`` (used by the demo and tests)."""
    for weekday in weekdays:
        OpeningPlan.objects.update_or_create(point=point, weekday=weekday, defaults=hours)
