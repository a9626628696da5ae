"""Cases received while a year's holidays were not entered get their deadline once it is.

Such a case was kept without a deadline (``intake.set_deadline``). When the entered years
change, the sweep replays each open case's clock from its timeline: it started when the case
was received, escalated or reopened, whichever came last, and stood still while the case was
suspended. A case still suspended waits for its resumption; one whose deadline still reaches
into a missing year waits for that year.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q

from linli.cases.models import Case, CaseEvent
from linli.core import deadlines

SWEEP = "cases.calendar_gap"

_CLOCK_EVENTS = (
    Q(kind__in=[CaseEvent.Kind.ESCALATED])
    | Q(
        kind=CaseEvent.Kind.STATUS,
        to_status__in=[Case.Status.REOPENED, Case.Status.SUSPENDED],
    )
    | Q(kind=CaseEvent.Kind.STATUS, from_status=Case.Status.SUSPENDED)
)


def clock_of(case: Case) -> tuple[datetime, list[tuple[datetime, datetime]]]:
    """When the case's current deadline clock started, and the spans it stood still since."""
    start, paused_from = case.created_at, None
    pauses: list[tuple[datetime, datetime]] = []
    for kind, at, from_status, to_status in (
        case.events.filter(_CLOCK_EVENTS)
        .order_by("at", "id")
        .values_list("kind", "at", "from_status", "to_status")
    ):
        if kind == CaseEvent.Kind.ESCALATED or to_status == Case.Status.REOPENED:
            start, pauses, paused_from = at, [], None  # a fresh clock
        elif to_status == Case.Status.SUSPENDED:
            paused_from = at
        elif from_status == Case.Status.SUSPENDED and paused_from is not None:
            pauses.append((paused_from, at))
            paused_from = None
    return start, pauses


def fill_case(case: Case) -> bool:
    """Set the deadline of one case kept without it; False while the calendar still lacks a
    year it needs."""
    assert case.category is not None
    start, pauses = clock_of(case)
    days = case.category.deadline_days(case.tier)
    return deadlines.set_replayed(Case.objects.filter(pk=case.pk), start, days, pauses)


def fill_deadlines(now: datetime) -> int:
    """The worker's sweep: ``fill_all`` when the entered calendar years changed since it last
    looked (and once when the worker starts); nothing while they stay the same."""
    return fill_all() if deadlines.years_changed(SWEEP) else 0


def fill_all() -> int:
    """Give every open case kept without a deadline the one it would have had."""
    pending = (
        Case.objects.open().filter(due_at__isnull=True, category__isnull=False)
    ).select_related("category")
    return deadlines.fill_in_batches(pending, fill_case)
