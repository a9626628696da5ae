"""Work orders between units (派单/接单/退回/转办/回单): a community officer sends "zombie car,
plate 浙F·D12345" to the traffic squad; the squad accepts and records what it did."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.cases import notify
from linli.cases.actions.common import CaseError, add_event, require_allowed
from linli.cases.actions.photos import add_photos
from linli.cases.models import Case, CaseEvent, WorkOrder
from linli.core import deadlines
from linli.core.audit import AuditKind, record
from linli.core.workdays import CalendarYearMissing
from linli.people.models import Unit

MAX_TEXT = 2000
DEFAULT_DAYS = 2


def _text(value: str, field: str) -> str:
    text = (value or "").strip()
    if not text:
        raise CaseError(_("This field is required."), field=field)
    if len(text) > MAX_TEXT:
        raise CaseError(_("At most %(n)d characters.") % {"n": MAX_TEXT}, field=field)
    return text


def _due(due_at: datetime | None, now: datetime) -> datetime:
    if due_at is not None:
        if due_at <= now:
            raise CaseError(_("The due date must lie in the future."), field="due_at")
        return due_at
    try:
        return deadlines.deadline(now, DEFAULT_DAYS).due_at
    except CalendarYearMissing as exc:
        raise CaseError(str(exc), field="due_at", status=422) from exc


def _move(order: WorkOrder, to: str, *, actor: Any, note: str, fields: list[str]) -> WorkOrder:
    current = WorkOrder.Status(order.status)
    target = WorkOrder.Status(to)
    message = _("A work order that is %(current)s cannot become %(target)s.")
    require_allowed(WorkOrder.ALLOWED, current, target, message)
    order.status = target
    order.save(update_fields=["status", *fields])
    add_event(
        order.case,
        CaseEvent.Kind.WORK_ORDER,
        actor=actor,
        unit=order.to_unit,
        public=False,
        note=f"{target.label}: {order.to_unit.name}" + (f" — {note}" if note else ""),
    )
    record(
        AuditKind.WORK_ORDER_CHANGED,
        actor=actor,
        obj=order,
        before={"status": current.value},
        after={"status": target.value},
        note=note[:500],
    )
    return order


@transaction.atomic
def send_work_order(
    case: Case,
    to_unit: Unit,
    *,
    actor: Any,
    instruction: str,
    due_at: datetime | None = None,
    from_unit: Unit | None = None,
) -> WorkOrder:
    if case.status not in Case.OPEN_STATUSES:
        raise CaseError(_("Work orders are sent only for open cases."), status=409)
    if not to_unit.is_active or to_unit.pk == case.unit_id:
        raise CaseError(_("Choose another active unit."), field="to_unit")
    now = timezone.now()
    order = WorkOrder.objects.create(
        case=case,
        from_unit=from_unit or case.unit,
        to_unit=to_unit,
        instruction=_text(instruction, "instruction"),
        due_at=_due(due_at, now),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    add_event(
        case,
        CaseEvent.Kind.WORK_ORDER,
        actor=actor,
        unit=to_unit,
        public=False,
        note=_("Work order to %(unit)s: %(instruction)s")
        % {"unit": to_unit.name, "instruction": order.instruction},
    )
    record(
        AuditKind.WORK_ORDER_CHANGED,
        actor=actor,
        obj=order,
        after={"status": order.status, "to_unit": to_unit.pk},
    )
    notify.queue(case, notify.Event.WORK_ORDER, unit=to_unit)
    return order


@transaction.atomic
def accept_work_order(order: WorkOrder, *, actor: Any) -> WorkOrder:
    return _move(order, WorkOrder.Status.ACCEPTED, actor=actor, note="", fields=[])


@transaction.atomic
def return_work_order(order: WorkOrder, *, actor: Any, reason: str) -> WorkOrder:
    order.reason = _text(reason, "reason")
    return _move(
        order, WorkOrder.Status.RETURNED, actor=actor, note=order.reason, fields=["reason"]
    )


@transaction.atomic
def transfer_work_order(order: WorkOrder, to_unit: Unit, *, actor: Any, reason: str) -> WorkOrder:
    """转办: this order ends as transferred and a new one goes to ``to_unit``."""
    order.reason = _text(reason, "reason")
    if to_unit.pk == order.to_unit_id:
        raise CaseError(_("Choose another active unit."), field="to_unit")
    _move(order, WorkOrder.Status.TRANSFERRED, actor=actor, note=order.reason, fields=["reason"])
    new = send_work_order(
        order.case,
        to_unit,
        actor=actor,
        instruction=order.instruction,
        due_at=order.due_at if order.due_at > timezone.now() else None,
        from_unit=order.to_unit,
    )
    order.transferred_to = new
    order.save(update_fields=["transferred_to"])
    return new


@transaction.atomic
def complete_work_order(
    order: WorkOrder, *, actor: Any, result: str, photos: Sequence[Any] = ()
) -> WorkOrder:
    """回单: the receiving unit records what it did, with up to 3 photos of its own."""
    order.result = _text(result, "result")
    order.completed_at = timezone.now()
    _move(
        order,
        WorkOrder.Status.COMPLETED,
        actor=actor,
        note=order.result,
        fields=["result", "completed_at"],
    )
    # After the transition is allowed; every photo is checked before any is stored, and a bad
    # one rolls the completion back with it.
    add_photos(order.case, list(photos), actor=actor, work_order=order)
    return order
