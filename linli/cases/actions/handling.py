"""Handling a case: accept, start, resolve, close, reject, suspend/resume, reopen, escalate,
merge duplicates, notes. Escalation and warnings also run as worker sweeps."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.cases import notify
from linli.cases.actions import calendar_gap
from linli.cases.actions.common import CaseError, add_event, save_changed, transition
from linli.cases.actions.intake import set_deadline
from linli.cases.models import TIER_ORDER, Case, CaseEvent, Tier
from linli.cases.routing import Place, RoutingError, route
from linli.core import deadlines
from linli.core.audit import AuditKind, record, unsaved
from linli.places.locate import locate

if TYPE_CHECKING:
    from linli.core.models import AuditEvent


def _required(text: str, field: str) -> str:
    value = (text or "").strip()
    if not value:
        raise CaseError(_("Give a reason."), field=field)
    if len(value) > 2000:
        raise CaseError(_("At most %(n)d characters.") % {"n": 2000}, field=field)
    return value


@transaction.atomic
def accept_case(case: Case, *, actor: Any, note: str = "", now: datetime | None = None) -> Case:
    transition(case, Case.Status.ACCEPTED, actor=actor, note=note, at=now)
    notify.queue(case, notify.Event.ACCEPTED)
    return case


@transaction.atomic
def start_case(case: Case, *, actor: Any, note: str = "", now: datetime | None = None) -> Case:
    return transition(case, Case.Status.IN_PROGRESS, actor=actor, note=note, at=now)


@transaction.atomic
def resolve_case(case: Case, *, actor: Any, result: str, now: datetime | None = None) -> Case:
    case.resolved_at = now or timezone.now()
    transition(
        case,
        Case.Status.RESOLVED,
        actor=actor,
        note=_required(result, "result"),
        fields=["resolved_at"],
        at=case.resolved_at,
    )
    notify.queue(case, notify.Event.RESOLVED)
    return case


@transaction.atomic
def close_case(case: Case, *, actor: Any, note: str = "", now: datetime | None = None) -> Case:
    case.closed_at = now or timezone.now()
    return transition(
        case, Case.Status.CLOSED, actor=actor, note=note, fields=["closed_at"], at=case.closed_at
    )


@transaction.atomic
def reject_case(case: Case, *, actor: Any, reason: str) -> Case:
    """Not ours: the reason must say whose it is (e.g. 'a civil matter for the court')."""
    case.closed_at = timezone.now()
    return transition(
        case,
        Case.Status.REJECTED,
        actor=actor,
        note=_required(reason, "reason"),
        fields=["closed_at"],
    )


@transaction.atomic
def suspend_case(case: Case, *, actor: Any, reason: str, now: datetime | None = None) -> Case:
    """挂起: the deadline clock stops until the case is resumed."""
    case.suspended_at = now or timezone.now()
    return transition(
        case,
        Case.Status.SUSPENDED,
        actor=actor,
        note=_required(reason, "reason"),
        fields=["suspended_at"],
        at=case.suspended_at,
    )


@transaction.atomic
def resume_case(case: Case, *, actor: Any, note: str = "", now: datetime | None = None) -> Case:
    """解挂: the deadline moves back by the working time the case was suspended."""
    now = now or timezone.now()
    fields = ["suspended_at"]
    if case.suspended_at and case.due_at:
        case.due_at = deadlines.extend_if_known(case.due_at, case.suspended_at, now)
        if not case.warned_at:
            case.warn_at = deadlines.extend_if_known(case.warn_at, case.suspended_at, now)
        if case.due_at is None:  # it reaches into a year not entered
            case.warn_at = None
        fields += ["due_at", "warn_at"]
    case.suspended_at = None
    case = transition(case, Case.Status.IN_PROGRESS, actor=actor, note=note, fields=fields, at=now)
    # Kept without a deadline while a year was missing: the clock replayed, this stop
    # included, if the calendar now has every year it needs.
    if case.due_at is None and case.category_id and calendar_gap.fill_case(case):
        case.refresh_from_db(fields=["due_at", "warn_at", "warned_at"])
    return case


@transaction.atomic
def reopen_case(case: Case, *, actor: Any, reason: str) -> Case:
    """The resident is not satisfied: work starts again with a fresh deadline at this tier."""
    set_deadline(case, timezone.now())
    case.resolved_at = None
    return transition(
        case,
        Case.Status.REOPENED,
        actor=actor,
        note=_required(reason, "reason"),
        fields=["resolved_at", "due_at", "warn_at", "warned_at"],
    )


@transaction.atomic
def add_note(case: Case, *, actor: Any, note: str, public: bool = False) -> CaseEvent:
    event = add_event(
        case, CaseEvent.Kind.NOTE, actor=actor, note=_required(note, "note"), public=public
    )
    record(AuditKind.CASE_NOTE_ADDED, actor=actor, obj=case, note=note[:500])
    return event


@transaction.atomic
def mark_duplicate(case: Case, original: Case, *, actor: Any) -> Case:
    if original.pk == case.pk or original.status not in Case.OPEN_STATUSES:
        raise CaseError(_("Merge into another case that is still open."), field="into")
    case.duplicate_of = original
    transition(
        case,
        Case.Status.DUPLICATE,
        actor=actor,
        fields=["duplicate_of"],
        note=_("Merged into %(number)s.") % {"number": original.number},
    )
    add_event(
        original,
        CaseEvent.Kind.MERGED,
        actor=actor,
        public=False,
        note=_("%(number)s merged into this case.") % {"number": case.number},
    )
    record(AuditKind.CASE_MERGED, actor=actor, obj=case, after={"into": original.number})
    return case


@transaction.atomic
def merge_into(case: Case, original: Case, *, actor: Any) -> Case:
    """Lock both cases, in id order so two merges the other way round wait for each other
    instead of deadlocking, then mark ``case`` a duplicate of ``original``."""
    locked = {
        c.pk: c
        for c in Case.objects.select_for_update(of=("self",))
        .select_related("category", "unit")
        .filter(pk__in=[case.pk, original.pk])
        .order_by("pk")
    }
    return mark_duplicate(locked[case.pk], locked[original.pk], actor=actor)


def case_place(case: Case) -> Place:
    """The case's place for routing: its area and the police room serving its point."""
    where = locate(case.lon, case.lat)
    return Place(case.area_code, where.police_room if where else None)


def _next_tier(tier: str) -> Tier | None:
    position = TIER_ORDER.index(Tier(tier))
    return TIER_ORDER[position + 1] if position + 1 < len(TIER_ORDER) else None


# What an escalation changes on the case (besides the version).
ESCALATION_FIELDS = ["tier", "unit", "owner", "escalations", "due_at", "warn_at", "warned_at"]


def move_up(case: Case, *, now: datetime, leader: Callable[[str], int | None]) -> dict[str, Any]:
    """Escalation in memory: the next tier and its unit, the street leader (``leader(area
    code)``) as owner at the street tier, a fresh deadline. Returns the tier and unit before,
    for the audit row; saves nothing."""
    target = _next_tier(case.tier)
    if target is None:
        raise CaseError(_("The case is already at the district tier."), status=409)
    if case.category is None:
        raise CaseError(_("Categorise the case before escalating it."), field="category")
    try:
        unit = route(case.category, case_place(case), target)
    except RoutingError as exc:
        raise CaseError(str(exc), status=422) from exc
    before = {"tier": case.tier, "unit": case.unit_id}
    case.tier, case.unit = target, unit
    case.escalations += 1
    if target == Tier.STREET and case.owner_id is None:
        case.owner_id = leader(case.area_code)
    set_deadline(case, now)
    return before


def escalation_audit(case: Case, before: dict[str, Any], *, actor: Any, reason: str) -> AuditEvent:
    """The audit row of an escalation ``move_up`` made, not yet saved."""
    return unsaved(
        AuditKind.CASE_ESCALATED,
        actor=actor,
        obj=case,
        before=before,
        after={"tier": case.tier, "unit": case.unit_id},
        note=reason[:500],
    )


def _escalate(case: Case, *, actor: Any, reason: str, now: datetime) -> Case:
    """Move to the next tier and its unit; the status does not change."""
    before = move_up(case, now=now, leader=street_leader)
    save_changed(case, ESCALATION_FIELDS)
    add_event(case, CaseEvent.Kind.ESCALATED, actor=actor, at=now, note=reason)
    escalation_audit(case, before, actor=actor, reason=reason).save(force_insert=True)
    notify.queue(case, notify.Event.ESCALATED)
    return case


@transaction.atomic
def escalate_case(case: Case, *, actor: Any, reason: str) -> Case:
    """An officer escalates by hand, with a reason."""
    if case.status not in Case.OPEN_STATUSES:
        raise CaseError(_("Only an open case can be escalated."), status=409)
    return _escalate(case, actor=actor, reason=_required(reason, "reason"), now=timezone.now())


def street_leader(area_code: str) -> int | None:
    """The id of the street leader who owns a case at the street tier (包案): street staff of
    the street office, the earliest appointed first. (Only the id: loading the user would
    decrypt their personal data for nothing.)"""
    return street_leaders([area_code]).get(area_code[:9])


def street_leaders(area_codes: Iterable[str]) -> dict[str, int]:
    """``street_leader`` for many places in one query: street code (the first nine digits of
    an area code) → the leader's user id, for the streets that have one."""
    from linli.people.models import Membership, Role, Unit

    streets = {code[:9] for code in area_codes}
    if not streets:
        return {}
    leaders: dict[str, int] = {}
    rows = (
        Membership.objects.filter(
            is_active=True,
            role=Role.STREET_STAFF,
            unit__kind=Unit.Kind.STREET_OFFICE,
            unit__area_code__in=streets,
        )
        .order_by("since", "id")
        .values_list("unit__area_code", "user_id")
    )
    for street, user_id in rows:
        leaders.setdefault(street, user_id)
    return leaders


# The transitions by name, with the text each takes: the API and the workbench both use this.
TRANSITIONS: dict[str, tuple[Any, str]] = {
    "accept": (accept_case, "note"),
    "start": (start_case, "note"),
    "resolve": (resolve_case, "result"),
    "close": (close_case, "note"),
    "reject": (reject_case, "reason"),
    "suspend": (suspend_case, "reason"),
    "resume": (resume_case, "note"),
    "escalate": (escalate_case, "reason"),
    "reopen": (reopen_case, "reason"),
}
