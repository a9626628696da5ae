"""What every case action shares: the error type, the timeline event, the status transition."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.cases.models import Case, CaseEvent
from linli.core.audit import AuditKind, record


class CaseError(Exception):
    """A refused action: ``field`` names the input at fault ("" for the request as a whole);
    ``status`` is the HTTP status the API answers with (400 bad input, 409 wrong state)."""

    def __init__(self, message: str, *, field: str = "", status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status


def add_event(
    case: Case,
    kind: str,
    *,
    actor: Any,
    at: datetime | None = None,
    note: str = "",
    public: bool = True,
    from_status: str = "",
    to_status: str = "",
    unit: Any = None,
) -> CaseEvent:
    event = new_event(
        case,
        kind,
        actor=actor,
        at=at,
        note=note,
        public=public,
        from_status=from_status,
        to_status=to_status,
        unit=unit,
    )
    event.save(force_insert=True)
    return event


def new_event(
    case: Case,
    kind: str,
    *,
    actor: Any,
    at: datetime | None = None,
    note: str = "",
    public: bool = True,
    from_status: str = "",
    to_status: str = "",
    unit: Any = None,
) -> CaseEvent:
    """The timeline event ``add_event()`` writes, not yet saved (the sweeps write theirs with
    one ``bulk_create``)."""
    return CaseEvent(
        case=case,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        at=at or timezone.now(),
        note=note,
        public=public,
        from_status=from_status,
        to_status=to_status,
        unit_id=unit.pk if unit is not None else case.unit_id,
        tier=case.tier,
    )


def save_changed(case: Case, fields: list[str]) -> None:
    """Save only ``fields`` and bump the version used for ETag / If-Match. Every caller holds
    the row lock (select_for_update, or the sweep's claiming UPDATE), so the new version is the
    one read plus one; no need to read it back."""
    read = case.version
    case.version = F("version") + 1
    case.save(update_fields=[*fields, "version"])
    case.version = read + 1


def require_allowed(allowed: dict[Any, set[Any]], current: Any, target: Any, message: str) -> None:
    """409 with ``message`` (naming both states) unless the table allows current → target."""
    if target not in allowed[current]:
        raise CaseError(message % {"current": current.label, "target": target.label}, status=409)


def transition(
    case: Case,
    to: str,
    *,
    actor: Any,
    note: str = "",
    fields: list[str] | None = None,
    at: datetime | None = None,
    public: bool = True,
) -> Case:
    """Move ``case`` to status ``to`` if the transition table allows it."""
    current = Case.Status(case.status)
    target = Case.Status(to)
    require_allowed(
        Case.ALLOWED, current, target, _("A case that is %(current)s cannot become %(target)s.")
    )
    case.status = target
    save_changed(case, ["status", *(fields or [])])
    add_event(
        case,
        CaseEvent.Kind.STATUS,
        actor=actor,
        at=at,
        note=note,
        public=public,
        from_status=current,
        to_status=target,
    )
    record(
        AuditKind.CASE_STATUS_CHANGED,
        actor=actor,
        obj=case,
        before={"status": current.value},
        after={"status": target.value},
        note=note[:500],
    )
    return case
