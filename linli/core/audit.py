"""Explicit audit events, written by actions inside their transaction.

Kinds are stable numbers: never renumber, only add. Each app has its own hundred.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from django.db import models

if TYPE_CHECKING:
    from linli.core.models import AuditEvent


class AuditKind(IntEnum):
    # core 100–199
    HOLIDAY_SEEDED = 100
    HOLIDAY_CHANGED = 101
    DATA_REENCRYPTED = 102
    # people 200–299
    USER_CREATED = 200
    USER_CHANGED = 201
    LOGIN_SUCCEEDED = 202
    LOGIN_FAILED = 203
    LOGIN_CODE_SENT = 204
    TOKEN_CREATED = 205
    TOKEN_REVOKED = 206
    MEMBERSHIP_GRANTED = 207
    MEMBERSHIP_REVOKED = 208
    SHIFT_CHANGED = 209
    TOTP_DEVICE_ADDED = 210
    PERSONAL_DATA_READ = 250
    # places 300–399
    AREA_IMPORTED = 300
    AREA_CHANGED = 301
    POLICE_ROOM_CHANGED = 302
    # cases 400–499
    CASE_SUBMITTED = 400
    CASE_STATUS_CHANGED = 401
    CASE_ESCALATED = 402
    CASE_WARNED = 403
    CASE_MERGED = 404
    CASE_NOTE_ADDED = 405
    CASE_TRIAGED = 406
    WORK_ORDER_CHANGED = 410
    MEDIATION_CHANGED = 411
    FEEDBACK_GIVEN = 412
    CATEGORY_CHANGED = 420
    ROUTING_RULE_CHANGED = 421
    # payments 1000–1099
    PAYMENT_ORDER_CREATED = 1000
    PAYMENT_RECEIVED = 1001
    PAYMENT_RECEIVED_LATE = 1002
    PAYMENT_EXPIRED = 1003
    PAYMENT_CLOSED = 1004
    PAYMENT_REFUNDED = 1005
    # identity 800–899
    EID_ISSUED = 800
    EID_VERIFIED = 801
    EID_REFUSED = 802
    CONSULTATION_OPENED = 810
    CONSULTATION_MESSAGE_ADDED = 811
    CONSULTATION_CLOSED = 812
    # hall 500–599
    MATTER_CHANGED = 500
    MATTER_CATALOGUE_IMPORTED = 501
    APPLICATION_SUBMITTED = 510
    APPLICATION_STATUS_CHANGED = 511
    CERTIFICATE_FETCHED = 512
    APPLICATION_WARNED = 513
    APPLICATION_OVERDUE = 514
    CERTIFICATES_IMPORTED = 515
    # booking 600–699
    BOOKING_MADE = 600
    BOOKING_CANCELLED = 601
    BOOKING_RESCHEDULED = 602
    BOOKING_COMPLETED = 603
    BOOKING_NO_SHOW = 604
    TICKET_TAKEN = 610
    TICKET_CHECKED_IN = 611
    TICKET_CALLED = 612
    TICKET_SERVED = 613
    TICKET_EXPIRED = 614
    VISIT_REQUESTED = 620
    VISIT_TAKEN = 621
    VISIT_PROPOSED = 622
    VISIT_ACCEPTED = 623
    VISIT_DONE = 624


@dataclass
class RequestContext:
    request_id: str = ""
    ip: str | None = None


current_request: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "linli_request",
    default=RequestContext(),  # noqa: B039 - immutable by convention
)


def _storable(value: Any) -> Any:
    """Text as PostgreSQL can store it: no NUL characters (garbage typed into a form)."""
    if isinstance(value, str):
        return value.replace("\x00", "\N{REPLACEMENT CHARACTER}")
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_storable(v) for v in value]
    return value


def record(
    kind: AuditKind,
    *,
    actor: Any,
    obj: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
) -> AuditEvent:
    """Write one audit event. Call inside the action's transaction."""
    event = unsaved(kind, actor=actor, obj=obj, before=before, after=after, note=note)
    event.save(force_insert=True)
    return event


def unsaved(
    kind: AuditKind,
    *,
    actor: Any,
    obj: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
) -> AuditEvent:
    """The audit event ``record()`` writes, not yet saved: for ``record_many()``."""
    from linli.core.models import AuditEvent

    ctx = current_request.get()
    return AuditEvent(
        kind=int(kind),
        actor=actor if getattr(actor, "pk", None) else None,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=_storable(str(obj)[:200]) if obj is not None else "",
        before=_storable(before or {}),
        after=_storable(after or {}),
        note=_storable(note[:500]),
        request_id=ctx.request_id,
        ip=ctx.ip,
    )


def record_many(events: list[AuditEvent]) -> list[AuditEvent]:
    """Write audit events built by ``unsaved()`` in one INSERT (a batch action, such as a
    deadline sweep). Call inside the action's transaction."""
    from linli.core.models import AuditEvent

    return AuditEvent.objects.bulk_create(events)


def audit_personal_read(*, actor: Any, obj: models.Model, fields: list[str], reason: str) -> None:
    """Reading a person's unmasked data is itself an audited event."""
    record(
        AuditKind.PERSONAL_DATA_READ, actor=actor, obj=obj, after={"fields": fields}, note=reason
    )
