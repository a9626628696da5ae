"""Chinese working days, office hours and deadlines.

A day is a working day when it is Monday–Friday and not a statutory holiday, or when it is an
adjusted workday (调休上班) on a weekend. The dates that break the weekday rule live in the
``Holiday`` table; a year counts as known only once it has a ``CalendarYear`` row, and any
computation that touches an unknown year raises ``CalendarYearMissing`` instead of guessing.

The table is read once per process and kept in memory: computing a deadline costs no query
after the first. Saving or deleting a ``Holiday`` or ``CalendarYear`` clears the copy in this
process (see ``linli.core.apps``); other processes re-read it at most ``CACHE_SECONDS`` later.
"""

from __future__ import annotations

import threading
import time as monotonic_clock
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from functools import cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

CACHE_SECONDS = 300.0


class CalendarYearMissing(Exception):
    """A date lies in a year whose holidays have not been entered."""

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(
            _(
                "The holidays of %(year)s have not been entered. An administrator must enter "
                "them in the admin (Core › Holidays and adjusted workdays, then Calendar years) "
                "before deadlines in %(year)s can be computed."
            )
            % {"year": year}
        )


# --- the table, cached in process ------------------------------------------------------------


@dataclass(frozen=True)
class _Calendar:
    years: frozenset[int]
    days_off: frozenset[date]
    adjusted_workdays: frozenset[date]
    loaded_at: float


_lock = threading.Lock()
_calendar: _Calendar | None = None


def clear_cache() -> None:
    """Forget the in-process copy of the table; the next computation re-reads it."""
    global _calendar
    with _lock:
        _calendar = None


def _load() -> _Calendar:
    from linli.core.models import CalendarYear, Holiday

    years = frozenset(CalendarYear.objects.values_list("year", flat=True))
    days_off: set[date] = set()
    adjusted: set[date] = set()
    for day, kind in Holiday.objects.values_list("date", "kind"):
        (days_off if kind == Holiday.Kind.HOLIDAY else adjusted).add(day)
    return _Calendar(years, frozenset(days_off), frozenset(adjusted), monotonic_clock.monotonic())


def _table() -> _Calendar:
    global _calendar
    current = _calendar
    if current is None or monotonic_clock.monotonic() - current.loaded_at > CACHE_SECONDS:
        current = _load()
        with _lock:
            _calendar = current
    return current


# --- days -----------------------------------------------------------------------------------


def is_year_entered(year: int) -> bool:
    return year in _table().years


def entered_years() -> frozenset[int]:
    return _table().years


def is_working_day(day: date) -> bool:
    """True on a working day; raises ``CalendarYearMissing`` for a year not entered."""
    table = _table()
    if day.year not in table.years:
        raise CalendarYearMissing(day.year)
    if day in table.adjusted_workdays:
        return True
    if day in table.days_off:
        return False
    return day.weekday() < 5


def next_working_day(day: date) -> date:
    """The first working day strictly after ``day``."""
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


# --- office hours ---------------------------------------------------------------------------


OfficePeriods = tuple[tuple[time, time], ...]


@cache
def parse_office_hours(raw: str) -> OfficePeriods:
    """ "08:30-12:00,13:30-17:30" -> ((08:30, 12:00), (13:30, 17:30)), checked for order."""
    periods: list[tuple[time, time]] = []
    for part in (p.strip() for p in raw.split(",")):
        try:
            opens, closes = (time.fromisoformat(t.strip()) for t in part.split("-"))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"LINLI_OFFICE_HOURS must look like '08:30-12:00,13:30-17:30', got {raw!r}."
            ) from exc
        if opens >= closes or (periods and opens < periods[-1][1]):
            raise ImproperlyConfigured(
                f"LINLI_OFFICE_HOURS periods must be increasing and not overlap, got {raw!r}."
            )
        periods.append((opens, closes))
    return tuple(periods)


def office_periods() -> OfficePeriods:
    return parse_office_hours(getattr(settings, "LINLI_OFFICE_HOURS", "08:30-12:00,13:30-17:30"))


def local_zone() -> tzinfo:
    return ZoneInfo(settings.TIME_ZONE)


def _aware_local(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("working-day arithmetic needs aware datetimes")
    return moment.astimezone(local_zone())


def close_of(day: date) -> datetime:
    """The moment the office closes on ``day`` (aware, local time)."""
    return datetime.combine(day, office_periods()[-1][1], tzinfo=local_zone())


def _office_intervals(day: date) -> list[tuple[datetime, datetime]]:
    zone = local_zone()
    return [
        (datetime.combine(day, opens, tzinfo=zone), datetime.combine(day, closes, tzinfo=zone))
        for opens, closes in office_periods()
    ]


# --- deadlines ------------------------------------------------------------------------------


def add_working_days(start: datetime, n: int) -> datetime:
    """The close of the n-th working day counted from ``start``'s day.

    The start day is the first of the n days when it is a working day and the office has not
    yet closed; otherwise counting begins with the next working day. So a 1-working-day
    deadline set on a Tuesday morning ends at Tuesday's close, and a 2-working-day deadline set
    on 30 Sep 2025 ends at the close of 9 Oct 2025 (1–8 Oct are the National Day holiday).
    """
    if n < 1:
        raise ValueError("a deadline needs at least one working day")
    local = _aware_local(start)
    day = local.date()
    if not is_working_day(day) or local >= close_of(day):
        day = next_working_day(day)
    for _counted in range(n - 1):
        day = next_working_day(day)
    return close_of(day)


def working_time_between(a: datetime, b: datetime) -> timedelta:
    """Office time on working days between ``a`` and ``b`` (zero when ``b`` is not after ``a``)."""
    start, end = _aware_local(a), _aware_local(b)
    total = timedelta()
    day = start.date()
    while day <= end.date():
        if is_working_day(day):
            for opens, closes in _office_intervals(day):
                overlap = min(closes, end) - max(opens, start)
                if overlap > timedelta():
                    total += overlap
        day += timedelta(days=1)
    return total


def fraction_elapsed(start: datetime, due: datetime, now: datetime) -> float:
    """Share of the working time from ``start`` to ``due`` that has passed at ``now``, 0.0–1.0."""
    allowed = working_time_between(start, due)
    if allowed <= timedelta():
        return 1.0 if now >= due else 0.0
    used = working_time_between(start, min(now, due))
    return min(max(used / allowed, 0.0), 1.0)
