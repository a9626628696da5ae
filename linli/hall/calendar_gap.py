"""Applications submitted while a year's holidays were not entered get their deadline once it is.

Such an application was kept without a deadline (``applications.submit``). When the entered
years change, the sweep replays each open application's clock: it started when the application
was submitted and stood still from each request for more materials until the resubmission.
"""

from __future__ import annotations

from datetime import datetime

from linli.core import deadlines
from linli.hall.models import Application, ApplicationEvent

SWEEP = "hall.calendar_gap"
Status = Application.Status


def pauses_of(application: Application) -> list[tuple[datetime, datetime]]:
    """The spans the application's clock stood still: more materials asked for, until handed in."""
    paused_from = None
    pauses: list[tuple[datetime, datetime]] = []
    for status, at in (
        application.events.filter(
            kind=ApplicationEvent.Kind.STATUS, status__in=[Status.MORE_NEEDED, Status.RESUBMITTED]
        )
        .order_by("at", "id")
        .values_list("status", "at")
    ):
        if status == Status.MORE_NEEDED:
            paused_from = at
        elif paused_from is not None:
            pauses.append((paused_from, at))
            paused_from = None
    return pauses


def fill_application(application: Application) -> bool:
    """Set the deadline of one application kept without it; False while the calendar still
    lacks a year it needs."""
    days = max(application.matter.promised_days, 1)
    row = Application.objects.filter(pk=application.pk)
    return deadlines.set_replayed(row, application.submitted_at, days, pauses_of(application))


def fill_deadlines(now: datetime) -> int:
    """The worker's sweep: ``fill_all`` when the entered calendar years changed since it last
    looked (and once when the worker starts); nothing while they stay the same."""
    return fill_all() if deadlines.years_changed(SWEEP) else 0


def fill_all() -> int:
    """Give every open application kept without a deadline the one it would have had."""
    pending = Application.objects.filter(
        status__in=Application.OPEN_STATUSES, due_at__isnull=True
    ).select_related("matter")
    return deadlines.fill_in_batches(pending, fill_application)
