"""Every change in identity: issuing and verifying e-ID codes, consultations and their replies.

Each action takes ``*, actor``, runs in one transaction and writes its audit event there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import crypto, retry
from linli.core.audit import AuditKind, record
from linli.identity import eid
from linli.identity.eid import Claims, EidError, Reason
from linli.identity.models import Consultation, ConsultationMessage, UsedEidCode
from linli.people.models import STAFF_ROLES, Membership, Role, Unit, User, is_staff

SUBJECT_MAX = 100
BODY_MAX = 2000
OFFICER_ROLES = (Role.OFFICER, Role.AUXILIARY)
T = TypeVar("T")


class IdentityError(Exception):
    def __init__(self, message: str, *, field: str = "", status: int = 400) -> None:
        super().__init__(message)
        self.message, self.field, self.status = message, field, status


def _atomic_retrying(work: Callable[[], T]) -> T:
    busy = IdentityError(_("The service is busy; please try again."), status=503)
    return retry.while_locked(work, busy=busy)


def reason_message(reason: Reason) -> str:
    return {
        Reason.MALFORMED: _("This is not an e-ID code."),
        Reason.FORGED: _("The signature does not match: this code was not issued by Linli."),
        Reason.EXPIRED: _("This code has expired; ask the person to refresh their e-ID."),
        Reason.REPLAYED: _("This code has already been used once; ask for a fresh one."),
    }[reason]


# --- the e-ID ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedCode:
    token: str
    claims: Claims


def has_identity(user: User) -> bool:
    return bool(user.is_real_name and user.full_name and user.id_number)


def photo_reference(user: User) -> str:
    """The reference an e-ID carries to the ID-card photo of ``user``'s identity on record, e.g.
    ``3F9A-1C2B-77D0-0E41``: the first 64 bits of a keyed digest (the data key's index key) of
    the registered ID number. Linli keeps no photos; the photo it names is the one held for that
    ID number by the population register. The reference is the same on every code of a person
    and changes with the ID number; unlike a plain hash of an 18-digit number it cannot be
    reversed by trying every number, and it differs from the lookup index stored in the
    database."""
    digest = crypto.blind_index(user.id_number, purpose="eid_photo")[:16].upper()
    return "-".join(digest[i : i + 4] for i in range(0, 16, 4))


def issue_eid(user: User, *, actor: Any, now: datetime | None = None) -> IssuedCode:
    """A fresh code for a real-name user. Only masks leave this function; the issue is audited
    with the code's id, so a verification can be traced back to the person."""
    if not has_identity(user):
        raise IdentityError(
            _("Your name and ID number are not on record; real-name registration comes first."),
            status=403,
        )
    token, claims = eid.issue_token(
        name=eid.mask_name(user.full_name),
        id_number=crypto.mask_id_number(user.id_number),
        photo=photo_reference(user),
        private_key=eid.signing_key(),
        now=now or timezone.now(),
    )
    _atomic_retrying(
        lambda: record(AuditKind.EID_ISSUED, actor=actor, obj=user, after={"jti": claims.jti})
    )
    return IssuedCode(token=token, claims=claims)


def _refuse(actor: Any, reason: Reason, jti: str = "") -> EidError:
    _atomic_retrying(
        lambda: record(
            AuditKind.EID_REFUSED, actor=actor, after={"reason": str(reason), "jti": jti}
        )
    )
    return EidError(reason)


def verify_eid(token: str, *, actor: Any, now: datetime | None = None) -> Claims:
    """Check a code for an officer: signature and time (pure), then single use (the insert of
    its id decides, so two officers scanning at once cannot both accept it). Audited either way."""
    if not is_staff(actor):
        raise IdentityError(_("Only officers and staff may verify e-ID codes."), status=403)
    try:
        claims = eid.verify_token(token, eid.signing_key().public_key(), now or timezone.now())
    except EidError as exc:
        raise _refuse(actor, exc.reason) from None

    def use_once() -> None:
        UsedEidCode.objects.create(jti=claims.jti, expires_at=claims.expires_at, verifier=actor)
        record(AuditKind.EID_VERIFIED, actor=actor, after={"jti": claims.jti})

    try:
        _atomic_retrying(use_once)
    except IntegrityError:
        raise _refuse(actor, Reason.REPLAYED, claims.jti) from None
    return claims


def forget_used_codes(now: datetime) -> int:
    """Worker sweep: a used code's id is needed only while the code could still be presented."""
    deleted, _rows = UsedEidCode.objects.filter(expires_at__lt=now - timedelta(hours=1)).delete()
    return deleted


# --- consultations ----------------------------------------------------------------------------


def _clean_text(value: str, *, field: str, limit: int) -> str:
    text = (value or "").replace("\x00", "").strip()
    if not text:
        raise IdentityError(_("This field is required."), field=field)
    if len(text) > limit:
        raise IdentityError(_("Too long."), field=field)
    return text


def room_officers(unit: Unit) -> list[User]:
    ids = Membership.objects.filter(
        unit=unit, role__in=[str(r) for r in OFFICER_ROLES], is_active=True
    ).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("username"))


@transaction.atomic
def open_consultation(
    *,
    actor: User,
    unit: Unit | None,
    subject: str,
    body: str,
    officer: User | None = None,
) -> Consultation:
    if unit is None or unit.kind != Unit.Kind.POLICE_ROOM or not unit.is_active:
        raise IdentityError(_("Choose a police room."), field="unit")
    if (
        officer is not None
        and not Membership.objects.filter(
            unit=unit, user=officer, role__in=[str(r) for r in OFFICER_ROLES], is_active=True
        ).exists()
    ):
        raise IdentityError(_("This officer does not serve at this police room."), field="officer")
    subject = _clean_text(subject, field="subject", limit=SUBJECT_MAX)
    body = _clean_text(body, field="text", limit=BODY_MAX)
    consultation = Consultation.objects.create(
        resident=actor, unit=unit, officer=officer, subject=subject
    )
    ConsultationMessage.objects.create(consultation=consultation, author=actor, body=body)
    record(
        AuditKind.CONSULTATION_OPENED,
        actor=actor,
        obj=consultation,
        after={"unit": unit.pk, "officer": officer.pk if officer else None},
    )
    return consultation


def works_in(user: Any, unit_id: int) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    return Membership.objects.filter(
        Q(unit_id=unit_id) | Q(unit__children__id=unit_id),
        user_id=user.pk,
        is_active=True,
        role__in=[str(r) for r in STAFF_ROLES],
    ).exists()


@transaction.atomic
def add_message(consultation: Consultation, *, actor: User, body: str) -> ConsultationMessage:
    """A reply from staff of the room (answers it; the first one sets the response time), or a
    follow-up from the resident (open again). Nobody writes to a closed consultation."""
    locked = Consultation.objects.select_for_update().get(pk=consultation.pk)
    from_staff = locked.resident_id != actor.pk
    if from_staff and not works_in(actor, locked.unit_id):
        raise IdentityError(_("Only staff of this police room may reply."), status=403)
    if locked.status == Consultation.Status.CLOSED:
        raise IdentityError(_("This consultation is closed."), status=409)
    text = _clean_text(body, field="text", limit=BODY_MAX)
    message = ConsultationMessage.objects.create(
        consultation=locked, author=actor, body=text, from_staff=from_staff
    )
    changed = ["status"]
    locked.status = Consultation.Status.ANSWERED if from_staff else Consultation.Status.OPEN
    if from_staff and locked.first_reply_at is None:
        locked.first_reply_at = message.created_at
        changed.append("first_reply_at")
    locked.save(update_fields=changed)
    record(
        AuditKind.CONSULTATION_MESSAGE_ADDED,
        actor=actor,
        obj=locked,
        after={"status": locked.status, "from_staff": from_staff},
    )
    consultation.refresh_from_db()
    return message


@transaction.atomic
def close_consultation(consultation: Consultation, *, actor: User) -> Consultation:
    locked = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if locked.resident_id != actor.pk and not works_in(actor, locked.unit_id):
        raise IdentityError(_("Only staff of this police room may reply."), status=403)
    if locked.status != Consultation.Status.CLOSED:
        before = locked.status
        locked.status = Consultation.Status.CLOSED
        locked.save(update_fields=["status"])
        record(
            AuditKind.CONSULTATION_CLOSED,
            actor=actor,
            obj=locked,
            before={"status": before},
            after={"status": locked.status},
        )
    return locked
