"""Duty coverage: every opening hour in which a unit has nobody on duty."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from linli.people.models import Shift, Unit

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Hours = dict[str, list[list[str]]]


def _opening_hours(hours: Hours, day: date, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    periods = []
    for opens, closes in hours.get(DAYS[day.weekday()], []):
        oh, om = (int(x) for x in opens.split(":"))
        ch, cm = (int(x) for x in closes.split(":"))
        start = datetime(day.year, day.month, day.day, oh, om, tzinfo=zone)
        end = datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(hours=ch, minutes=cm)
        periods.append((start, end))
    return periods


def coverage_gaps(unit: Unit, start: date, end: date, hours: Hours) -> list[datetime]:
    """The start of every opening hour (from ``start`` to ``end`` inclusive) in which no shift,
    primary or backup, covers the whole hour."""
    zone = ZoneInfo(settings.TIME_ZONE)
    first = datetime(start.year, start.month, start.day, tzinfo=zone)
    last = datetime(end.year, end.month, end.day, tzinfo=zone) + timedelta(days=1)
    shifts = list(
        Shift.objects.filter(unit=unit, starts_at__lt=last, ends_at__gt=first).values_list(
            "starts_at", "ends_at"
        )
    )
    gaps = []
    day = start
    while day <= end:
        for opens, closes in _opening_hours(hours, day, zone):
            moment = opens
            while moment < closes:
                slot_end = min(moment + timedelta(hours=1), closes)
                if not any(s <= moment and e >= slot_end for s, e in shifts):
                    gaps.append(moment)
                moment = slot_end
        day += timedelta(days=1)
    return gaps
