"""The deadline sweeps run by `linli worker`, in batches: a fixed number of statements per batch
of due cases, not per case, so a sweep's cost follows the cases due, not the cases open.

A batch is one transaction. Its first statement reads up to ``BATCH`` due cases with
``SELECT … FOR UPDATE SKIP LOCKED`` (PostgreSQL): another worker skips the rows this one holds
and finds them no longer due once it commits. SQLite has no row locks but lets one writer at a
time, and our transactions there take the write lock when they begin (``IMMEDIATE``), so the
read is already the writer's. The write that follows is conditional as well (``bulk_update``
on the still-due cases): if it ever changed fewer rows than were read, the batch is rolled
back and nothing is done twice. Each case is warned or escalated exactly once however many
workers race. Both reads are served by partial indexes on open cases.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.cases import notify
from linli.cases.actions.common import CaseError, new_event
from linli.cases.actions.handling import (
    ESCALATION_FIELDS,
    escalation_audit,
    move_up,
    street_leaders,
)
from linli.cases.models import Case, CaseEvent, Tier
from linli.core.audit import record_many

BATCH = 200  # cases per transaction
RETRY = timedelta(hours=1)  # before a case that could not be escalated is tried again
logger = logging.getLogger(__name__)
LIMIT = 1000  # cases per sweep, so the worker gets back to its queued notices


def escalate_due(now: datetime) -> int:
    """Escalate every open case whose deadline passed, below the district tier."""
    return _in_batches(_escalate_batch, now)


def warn_due(now: datetime) -> int:
    """Warn the handling unit of every open case past the warning point (75% of its time)."""
    return _in_batches(_warn_batch, now)


def _in_batches(batch: Callable[[datetime, int], int], now: datetime) -> int:
    """Batches of ``BATCH`` until one comes back short or ``LIMIT`` cases are handled."""
    handled = 0
    while handled < LIMIT:
        size = min(BATCH, LIMIT - handled)
        done = batch(now, size)
        handled += done
        if done < size:
            break
    return handled


@transaction.atomic
def _escalate_batch(now: datetime, size: int) -> int:
    due = Case.objects.open().filter(due_at__lte=now, tier__in=[Tier.COMMUNITY, Tier.STREET])
    cases = list(
        due.select_related("category")
        # what escalation needs; not the description nor the encrypted contact
        .defer("description", "reporter_name", "contact_phone", "triage")
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("due_at")[:size]
    )
    if not cases:
        return 0
    reason = _("The deadline passed: escalated automatically.")
    leaders = street_leaders(
        c.area_code for c in cases if c.tier == Tier.COMMUNITY and c.owner_id is None
    )
    befores, stuck = [], []
    for case in cases:
        try:
            befores.append(move_up(case, now=now, leader=lambda code: leaders.get(code[:9])))
        except CaseError as exc:  # e.g. no routing rule for its place: a configuration gap
            stuck.append((case, exc.message))
    if stuck:
        _retry_later(stuck, due, now)
        cases = [c for c in cases if c not in {s for s, _m in stuck}]
        if not cases:
            return len(stuck)
    versions = [c.version for c in cases]
    for case in cases:
        case.version = F("version") + 1
    if due.bulk_update(cases, [*ESCALATION_FIELDS, "version"]) != len(cases):
        transaction.set_rollback(True)  # another worker had some of them: leave them all
        return 0
    for case, read in zip(cases, versions, strict=True):
        case.version = read + 1
    CaseEvent.objects.bulk_create(
        new_event(c, CaseEvent.Kind.ESCALATED, actor=None, at=now, note=reason) for c in cases
    )
    record_many(
        [
            escalation_audit(c, before, actor=None, reason=reason)
            for c, before in zip(cases, befores, strict=True)
        ]
    )
    notify.queue_many(cases, notify.Event.ESCALATED)
    return len(cases) + len(stuck)


def _retry_later(stuck: list[tuple[Case, str]], due: QuerySet[Case], now: datetime) -> None:
    """A case that cannot be escalated (no unit to route it to) must not hold up the others:
    its deadline moves on by ``RETRY`` with a note for staff, and the sweep tries again then."""
    later = now + RETRY
    due.filter(id__in=[case.pk for case, _m in stuck]).update(due_at=later)
    CaseEvent.objects.bulk_create(
        new_event(
            case,
            CaseEvent.Kind.NOTE,
            actor=None,
            at=now,
            public=False,
            note=_("Not escalated automatically (%(reason)s); trying again at %(time)s.")
            % {"reason": message, "time": timezone.localtime(later).strftime("%H:%M")},
        )
        for case, message in stuck
    )
    for case, message in stuck:
        logger.warning("case %s cannot be escalated: %s", case.number, message)


@transaction.atomic
def _warn_batch(now: datetime, size: int) -> int:
    due = Case.objects.open().filter(warn_at__lte=now, warned_at__isnull=True)
    cases = list(
        due.only("id", "tier", "unit")
        .select_for_update(skip_locked=True)
        .order_by("warn_at")[:size]
    )
    if not cases:
        return 0
    if due.filter(id__in=[c.pk for c in cases]).update(warned_at=now) != len(cases):
        transaction.set_rollback(True)  # another worker had some of them: leave them all
        return 0
    note = _("Three quarters of the time to the deadline have passed.")
    CaseEvent.objects.bulk_create(
        new_event(c, CaseEvent.Kind.WARNED, actor=None, at=now, public=False, note=note)
        for c in cases
    )
    notify.queue_many(cases, notify.Event.WARNED)
    return len(cases)
