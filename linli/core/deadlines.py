"""Deadlines in working days with a warning point, shared by cases and service-hall applications.

A deadline of n working days ends at the close of the n-th working day (``workdays``); the
warning falls due when ``warn_fraction`` of the office time between start and deadline has
passed. Time while a case is suspended is given back by ``extend_by_working_time``.

A deadline that reaches into a year whose holidays are not entered yet cannot be computed
(``workdays.CalendarYearMissing``). The work is then kept without one — a report or an
application is never refused or lost for it — ``manage check`` names the missing year, and once
an administrator enters the year the apps' fill-in sweeps give each such item the deadline it
would have had (``replay`` over its timeline), run only when the entered years change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import Model, QuerySet

from linli.core import workdays

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Deadline:
    due_at: datetime
    warn_at: datetime


class Lateness(StrEnum):
    """Where work stands against its deadline, as screens colour it."""

    ON_TIME = "on_time"
    WARNED = "warned"  # past the warning point
    OVERDUE = "overdue"  # past the deadline


def lateness(due_at: datetime | None, warn_at: datetime | None, now: datetime) -> Lateness:
    """Overdue once ``due_at`` has passed, warned once ``warn_at`` has, else on time (also
    when there is no deadline). Whether the clock runs at all (an open case, an application
    not paused) is the caller's to say."""
    if due_at and due_at <= now:
        return Lateness.OVERDUE
    if warn_at and warn_at <= now:
        return Lateness.WARNED
    return Lateness.ON_TIME


def warn_fraction() -> float:
    return float(settings.LINLI_WARN_FRACTION)


def add_working_time(start: datetime, span: timedelta) -> datetime:
    """The moment when ``span`` of office time on working days has passed after ``start``."""
    if span <= timedelta():
        return start
    zone = workdays.local_zone()
    local = start.astimezone(zone)
    day = local.date()
    left = span
    while True:
        if workdays.is_working_day(day):
            for opens, closes in workdays.office_periods():
                period_start = max(datetime.combine(day, opens, tzinfo=zone), local)
                period_end = datetime.combine(day, closes, tzinfo=zone)
                if period_end <= period_start:
                    continue
                if period_end - period_start >= left:
                    return period_start + left
                left -= period_end - period_start
        day += timedelta(days=1)


def deadline(start: datetime, working_days: int, *, fraction: float | None = None) -> Deadline:
    due_at = workdays.add_working_days(start, working_days)
    allowed = workdays.working_time_between(start, due_at)
    share = warn_fraction() if fraction is None else fraction
    return Deadline(due_at=due_at, warn_at=add_working_time(start, allowed * share))


def extend_by_working_time(
    due_at: datetime, paused_from: datetime, resumed_at: datetime
) -> datetime:
    """Push a deadline back by the office time that passed while the clock was stopped."""
    return add_working_time(due_at, workdays.working_time_between(paused_from, resumed_at))


def deadline_if_known(start: datetime, working_days: int) -> Deadline | None:
    """``deadline``, or None while it reaches into a year not entered (see the module's text)."""
    try:
        return deadline(start, working_days)
    except workdays.CalendarYearMissing as exc:
        logger.warning("no deadline for work started %s: %s", start.isoformat(), exc.year)
        return None


def extend_if_known(
    moment: datetime | None, paused_from: datetime, resumed_at: datetime
) -> datetime | None:
    """``extend_by_working_time``, or None while that reaches into a year not entered."""
    if moment is None:
        return None
    try:
        return extend_by_working_time(moment, paused_from, resumed_at)
    except workdays.CalendarYearMissing as exc:
        logger.warning("deadline %s not extended: %s", moment.isoformat(), exc.year)
        return None


def replay(
    start: datetime, working_days: int, pauses: Iterable[tuple[datetime, datetime]]
) -> Deadline:
    """The deadline of a clock started at ``start`` and stopped during each of ``pauses`` (in
    order, after ``start``): what it would be had every year been entered all along. Raises
    ``CalendarYearMissing`` while one it needs is still missing."""
    due = deadline(start, working_days)
    due_at, warn_at = due.due_at, due.warn_at
    for paused_from, resumed_at in pauses:
        due_at = extend_by_working_time(due_at, paused_from, resumed_at)
        warn_at = extend_by_working_time(warn_at, paused_from, resumed_at)
    return Deadline(due_at=due_at, warn_at=warn_at)


def set_replayed(
    row: QuerySet[Any],
    start: datetime,
    working_days: int,
    pauses: Iterable[tuple[datetime, datetime]],
) -> bool:
    """Give ``row`` (a queryset of one item kept without a deadline) the ``replay``ed deadline;
    False while the calendar still lacks a year it needs, or if the item has a deadline by now."""
    try:
        due = replay(start, working_days, pauses)
    except workdays.CalendarYearMissing:
        return False
    updated = row.filter(due_at__isnull=True).update(
        due_at=due.due_at, warn_at=due.warn_at, warned_at=None
    )
    return bool(updated)


_years_seen: dict[str, frozenset[int]] = {}


def years_changed(sweep: str) -> bool:
    """True the first time ``sweep`` asks in this process and whenever the entered calendar
    years differ from the last time it asked: a fill-in sweep has work only then."""
    years = workdays.entered_years()
    if _years_seen.get(sweep) == years:
        return False
    _years_seen[sweep] = years
    return True


M = TypeVar("M", bound=Model)


def fill_in_batches(pending: QuerySet[M], fill: Callable[[M], bool], *, batch: int = 200) -> int:
    """Run ``fill`` over the rows of ``pending`` (work kept without a deadline) in batches of
    ``batch`` by primary key, one transaction each; returns how many it filled."""
    filled, after = 0, 0
    while True:
        with transaction.atomic():
            rows = list(pending.filter(pk__gt=after).order_by("pk")[:batch])
            filled += sum(fill(row) for row in rows)
        if len(rows) < batch:
            return filled
        after = rows[-1].pk
