"""Applications (办件): submitting one, with the materials the e-certificate library supplies
(一证通办), the fee, and every later step by the right person.

Each action runs in one transaction and writes its timeline event and its audit event there.
The deadline is the matter's promised time limit in working days, from ``core.deadlines`` as
for cases: the same warning point, the clock stopped while the applicant owes materials.
"""

from __future__ import annotations

import contextlib
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import crypto, deadlines, identifiers, images
from linli.core.access import EVERYWHERE_ROLES
from linli.core.audit import AuditKind, audit_personal_read, record
from linli.hall import calendar_gap, notify
from linli.hall.forms_spec import label, validate_form
from linli.hall.models import (
    Application,
    ApplicationCounter,
    ApplicationEvent,
    ApplicationMaterial,
    Certificate,
    Channel,
    Delivery,
    Matter,
)
from linli.people.models import Membership, Role, Unit, User

Status = Application.Status
Source = ApplicationMaterial.Source
PURPOSE = "hall.application"  # payment orders for an application's fee
TRACKING = re.compile(r"^[A-Z0-9]{8,30}\Z")
MAX_TEXT = 500


class ApplicationError(Exception):
    """A refused action: a translated message, the field it concerns, the HTTP status."""

    def __init__(self, message: str, *, field: str = "", status: int = 400) -> None:
        super().__init__(message)
        self.message, self.field, self.status = message, field, status


class AnswersInvalid(ApplicationError):
    """The form was filled in wrongly: translated messages by field name."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(_("The form has invalid fields."))
        self.errors = errors


def _text(value: Any, field: str, *, required: bool, limit: int = MAX_TEXT) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ApplicationError(_("Enter text."), field=field)
    text = value.strip()
    if "\x00" in text:
        raise ApplicationError(_("The text contains characters that are not allowed."), field=field)
    if required and not text:
        raise ApplicationError(_("This field is required."), field=field)
    if len(text) > limit:
        raise ApplicationError(_("At most %(n)d characters.") % {"n": limit}, field=field)
    return text


# --- who may do what ---------------------------------------------------------------------------

# Police and district staff handle applications; auxiliaries help at the window (accept, ask for
# more, scan, hand over) but only police and district staff decide. Grid workers, street and
# department staff and volunteers have nothing to do with licences.
HANDLING_ROLES = frozenset(
    {
        Role.OFFICER,
        Role.AUXILIARY,
        Role.TRAFFIC_OFFICER,
        Role.DISTRICT_STAFF,
        Role.COMMANDER,
        Role.ADMINISTRATOR,
    }
)
DECIDING_ROLES = HANDLING_ROLES - {Role.AUXILIARY}
DECISIONS = frozenset({"approve", "refuse", "issue"})


def roles_over(user: Any, area_code: str | None) -> set[str]:
    """The roles ``user`` holds over ``area_code`` (None: anywhere)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    if user.is_superuser:
        return set(Role.values)
    held = Membership.objects.filter(user_id=user.pk, is_active=True, unit__is_active=True)
    return {
        role
        for role, code in held.values_list("role", "unit__area_code")
        if role in EVERYWHERE_ROLES or area_code is None or area_code.startswith(code)
    }


def _require(actor: Any, area_code: str | None, roles: frozenset[str]) -> None:
    if not roles_over(actor, area_code) & roles:
        raise ApplicationError(_("Your role may not do this."), status=403)


def may_handle(user: Any, application: Application) -> bool:
    return user.pk != application.applicant_id and bool(
        roles_over(user, application.area_code) & HANDLING_ROLES
    )


# --- numbers and places --------------------------------------------------------------------

_NEXT_NUMBER = (
    'INSERT INTO "hall_applicationcounter" ("day", "value") VALUES (%s, 1) '
    'ON CONFLICT ("day") DO UPDATE SET "value" = "hall_applicationcounter"."value" + 1 '
    'RETURNING "value"'
)
assert ApplicationCounter._meta.db_table == "hall_applicationcounter"  # named in _NEXT_NUMBER


def next_number(day: date) -> str:
    """``A`` + the local day + the day's sequence, e.g. A202612010007 (one upsert)."""
    with connection.cursor() as cursor:
        cursor.execute(_NEXT_NUMBER, [connection.ops.adapt_datefield_value(day)])
        (value,) = cursor.fetchone()
    return f"A{day:%Y%m%d}{value:04d}"


def handling_area(agent: Any) -> str:
    """The area of the unit that handles an application: the police room (or other unit) of the
    officer who files it for someone (代办), otherwise the district bureau's service hall."""
    if agent is not None:
        own = agent.memberships.filter(is_active=True, unit__is_active=True).order_by("id")
        code = own.values_list("unit__area_code", flat=True).first()
        if code:
            return str(code)
    bureau = Unit.objects.filter(kind=Unit.Kind.POLICE_BUREAU, is_active=True).order_by("code")
    return str(bureau.values_list("area_code", flat=True).first() or "")


def _citizen_id(value: Any, field: str) -> str:
    try:
        return identifiers.normalise_citizen_id(_text(value, field, required=True, limit=40))
    except identifiers.IdentifierError as exc:
        raise ApplicationError(str(exc), field=field) from None


def applicant_by_id_number(id_number: str) -> User:
    """The resident an officer files for (代办), by the ID card they show."""
    index = crypto.blind_index(_citizen_id(id_number, "applicant_id_number"), purpose="id_number")
    applicant = User.objects.filter(id_number_index=index, is_active=True).first()
    if applicant is None:
        raise ApplicationError(
            _("Nobody with this ID number has an account; ask them to register first."),
            field="applicant_id_number",
            status=404,
        )
    return applicant


# --- the e-certificate library -------------------------------------------------------------


def certificates_for(person: User, day: date) -> dict[str, Certificate]:
    """The person's valid certificates by type, the most recent of each."""
    found: dict[str, Certificate] = {}
    for certificate in Certificate.objects.held_by(person.id_number_index).valid_on(day):
        found.setdefault(certificate.cert_type, certificate)
    return found


def _fetched(
    application: Application, row: ApplicationMaterial, *, actor: Any, at: datetime
) -> None:
    certificate = row.certificate
    assert certificate is not None
    record(
        AuditKind.CERTIFICATE_FETCHED,
        actor=actor,
        obj=application,
        after={
            "certificate": certificate.pk,
            "type": certificate.cert_type,
            "number": certificate.masked_number,
            "material": row.name,
        },
        note=f"{certificate.get_cert_type_display()} fetched for {application.number}",
    )
    ApplicationEvent.objects.create(
        application=application,
        kind=ApplicationEvent.Kind.FETCHED,
        actor=actor if getattr(actor, "pk", None) else None,
        at=at,
        note=f"{row.name}: {certificate}",
    )


# --- uploaded materials ----------------------------------------------------------------------

MAX_UPLOAD = images.MAX_BYTES


def clean_upload(upload: IO[bytes], field: str) -> tuple[bytes, str]:
    """A scan of a material: a PDF kept as sent, or a photo re-encoded without EXIF."""
    data = upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise ApplicationError(_("A file may be at most 10 MB."), field=field)
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-1024:]:
            raise ApplicationError(_("The PDF file is incomplete."), field=field)
        return data, "pdf"
    try:
        return images.reencode(data)
    except images.ImageRefused:
        raise ApplicationError(_("Send a PDF, JPEG, PNG or WebP file."), field=field) from None


def _store_upload(row: ApplicationMaterial, cleaned: tuple[bytes, str], at: datetime) -> None:
    data, extension = cleaned
    row.upload.save(f"{uuid.uuid4().hex}.{extension}", ContentFile(data), save=False)
    row.source, row.fetched_at = Source.UPLOAD, at


UPLOADABLE = (Status.SUBMITTED, Status.ACCEPTED, Status.MORE_NEEDED, Status.RESUBMITTED)


def attach_upload(
    application: Application,
    position: int,
    upload: IO[bytes],
    *,
    actor: Any,
    now: datetime | None = None,
) -> ApplicationMaterial:
    """The applicant (or a clerk scanning it at the window) hands in one material as a file."""
    if actor is None or (
        actor.pk != application.applicant_id
        and not roles_over(actor, application.area_code) & HANDLING_ROLES
    ):
        raise ApplicationError(_("Only the applicant or staff may hand in materials."), status=403)
    cleaned = clean_upload(upload, "file")
    now = now or timezone.now()
    with transaction.atomic():
        application = _lock(application)
        if application.status not in UPLOADABLE:
            raise ApplicationError(_("This application takes no more materials."), status=409)
        row = application.materials.filter(position=position).first()
        if row is None:
            raise ApplicationError(_("There is no such material."), status=404)
        if row.source == Source.LIBRARY:
            raise ApplicationError(
                _("This material was fetched from the library: nothing to hand in."), status=409
            )
        _store_upload(row, cleaned, now)
        row.save(update_fields=["upload", "source", "fetched_at"])
        ApplicationEvent.objects.create(
            application=application,
            kind=ApplicationEvent.Kind.UPLOADED,
            actor=actor,
            at=now,
            note=row.name,
        )
    return row


# --- submitting -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Filing:
    """What an applicant (or the officer filing for them) sends."""

    answers: Any
    delivery: str
    address: str = ""
    consent: bool = False  # to fetching certificates from the library


def fee_for(matter: Matter, delivery: str) -> int:
    return matter.fee_fen + (settings.LINLI_HALL_POSTAGE_FEN if delivery == Delivery.POST else 0)


def _check_filing(matter: Matter, filing: Filing, *, on_behalf: bool) -> tuple[dict[str, Any], str]:
    wanted = Channel.POLICE_ROOM if on_behalf else Channel.ONLINE
    if not matter.is_active or not (
        wanted in matter.channels or (on_behalf and Channel.WINDOW in matter.channels)
    ):
        raise ApplicationError(_("This matter cannot be applied for this way."), field="matter")
    clean, errors = validate_form(matter, filing.answers)
    if filing.delivery not in Delivery.values:
        errors["delivery"] = [_("Choose one of the allowed values.")]
    address = ""
    try:
        address = _text(filing.address, "address", required=filing.delivery == Delivery.POST)
    except ApplicationError as exc:
        errors["address"] = [exc.message]
    if not isinstance(filing.consent, bool):
        errors["consent"] = [_("Enter true or false.")]
    if errors:
        raise AnswersInvalid(errors)
    return clean, address


def _clean_uploads(
    matter: Matter, uploads: Mapping[int, IO[bytes]]
) -> dict[int, tuple[bytes, str]]:
    """Every file checked before anything is stored; errors by ``material_<position>``."""
    count = matter.materials.count()
    cleaned, errors = {}, {}
    for position, upload in uploads.items():
        field = f"material_{position}"
        try:
            if not 0 <= position < count:
                raise ApplicationError(_("There is no such material."), field=field)
            cleaned[position] = clean_upload(upload, field)
        except ApplicationError as exc:
            errors[field] = [exc.message]
    if errors:
        raise AnswersInvalid(errors)
    return cleaned


def submit(
    matter: Matter,
    applicant: User,
    filing: Filing,
    *,
    actor: Any,
    uploads: Mapping[int, IO[bytes]] | None = None,
    now: datetime | None = None,
) -> Application:
    """A new application. Each material with a certificate type is fetched from the library
    when the applicant consents and holds one; a file sent for a material hands it in; the
    others are to be handed in later."""
    now = now or timezone.now()
    on_behalf = actor is not None and actor.pk != applicant.pk
    if on_behalf and not roles_over(actor, None) & HANDLING_ROLES:
        raise ApplicationError(_("Only staff may apply for someone else."), status=403)
    if not applicant.is_real_name or not applicant.id_number:
        raise ApplicationError(
            _("Applications need a real-name account with an ID number."), status=403
        )
    answers, address = _check_filing(matter, filing, on_behalf=on_behalf)
    files = _clean_uploads(matter, uploads or {})
    # None while the limit reaches into a year not entered: `calendar_gap` sets it later.
    due = deadlines.deadline_if_known(now, max(matter.promised_days, 1))
    library = certificates_for(applicant, timezone.localdate(now)) if filing.consent else {}
    with transaction.atomic():
        application = Application.objects.create(
            number=next_number(timezone.localdate(now)),
            matter=matter,
            applicant=applicant,
            agent=actor if on_behalf else None,
            area_code=handling_area(actor if on_behalf else None),
            answers=json.dumps(answers, ensure_ascii=False),
            delivery=filing.delivery,
            delivery_address=address,
            fee_fen=fee_for(matter, filing.delivery),
            submitted_at=now,
            due_at=due.due_at if due else None,
            warn_at=due.warn_at if due else None,
        )
        rows = []
        for position, material in enumerate(matter.materials.all()):
            certificate = (
                library.get(material.certificate_type) if material.certificate_type else None
            )
            rows.append(
                ApplicationMaterial(
                    application=application,
                    material=material,
                    position=position,
                    name=material.name,
                    required=material.required,
                    source=Source.LIBRARY if certificate else Source.MISSING,
                    certificate=certificate,
                    fetched_by=actor if certificate and on_behalf else None,
                    fetched_at=now if certificate else None,
                )
            )
            if certificate is None and position in files:
                _store_upload(rows[-1], files[position], now)
        ApplicationMaterial.objects.bulk_create(rows)
        _event(application, Status.SUBMITTED, actor=actor, at=now, note="")
        for row in rows:
            if row.certificate is not None:
                _fetched(application, row, actor=actor, at=now)
        record(
            AuditKind.APPLICATION_SUBMITTED,
            actor=actor,
            obj=application,
            after=_snapshot(application),
            note="filed on the applicant's behalf" if on_behalf else "",
        )
    return application


def _snapshot(application: Application) -> dict[str, Any]:
    return {
        "status": application.status,
        "matter": application.matter.code,
        "fee_fen": application.fee_fen,
        "delivery": application.delivery,
        "due_at": application.due_at.isoformat() if application.due_at else None,
        "permit_number": application.permit_number,
        "tracking_number": application.tracking_number,
    }


def _event(application: Application, status: str, *, actor: Any, at: datetime, note: str) -> None:
    ApplicationEvent.objects.create(
        application=application,
        kind=ApplicationEvent.Kind.STATUS,
        status=status,
        actor=actor if getattr(actor, "pk", None) else None,
        at=at,
        note=note,
    )


# --- fees -----------------------------------------------------------------------------------


def fee_orders(application: Application) -> QuerySet[Any]:
    from linli.payments.models import PaymentOrder

    return PaymentOrder.objects.filter(purpose_kind=PURPOSE, purpose_reference=application.number)


def fee_paid(application: Application) -> bool:
    from linli.payments.models import PaymentOrder

    if not application.fee_fen:
        return True
    return fee_orders(application).filter(status=PaymentOrder.Status.PAID).exists()


def pay(application: Application, *, actor: Any, now: datetime | None = None) -> Any:
    """The payment order the applicant pays the fee with: the one still open, or a new one.
    The application's row is locked meanwhile, so two taps on "pay" make one order."""
    from linli.payments import actions as payments
    from linli.payments.models import PaymentOrder

    now = now or timezone.now()
    if actor is None or actor.pk != application.applicant_id:
        raise ApplicationError(_("Only the applicant pays the fee."), status=403)
    if not application.fee_fen:
        raise ApplicationError(_("This application has no fee."), status=409)
    failure = None
    with transaction.atomic():
        application = _lock(application)
        if application.status == Status.REFUSED:
            raise ApplicationError(
                _("The application was refused; nothing is to be paid."), status=409
            )
        if fee_paid(application):
            raise ApplicationError(_("The fee has already been paid."), status=409)
        waiting = fee_orders(application).filter(
            status=PaymentOrder.Status.CREATED, expires_at__gt=now
        )
        order = waiting.exclude(pay_url="").order_by("-created_at").first()
        if order is None:
            try:
                order = payments.create_order(
                    subject=f"{application.matter.name_zh} {application.number}"[:128],
                    amount_fen=application.fee_fen,
                    purpose_kind=PURPOSE,
                    purpose_reference=application.number,
                    payer=application.applicant,
                    actor=actor,
                    area_code=application.area_code,
                    now=now,
                )
            except payments.PaymentError as exc:
                failure = exc  # raised after the commit: the order it closed is kept
    if failure is not None:
        raise ApplicationError(failure.message, status=failure.status) from failure
    return order


def _refund_fee(application: Application, *, actor: Any) -> None:
    """A refused application gets its fee back (after the refusal is committed)."""
    from linli.payments import actions as payments
    from linli.payments.models import PaymentOrder

    for order in fee_orders(application).filter(status__in=PaymentOrder.MONEY_RECEIVED):
        if order.refundable_fen:
            # Unanswered: left pending for the refunds sweep; refused: for the cashier.
            with contextlib.suppress(payments.PaymentError):
                payments.refund(
                    order,
                    amount_fen=order.refundable_fen,
                    reason=_("Application refused"),
                    actor=actor,
                )


# --- the steps ------------------------------------------------------------------------------

# The staff actions of the API, by name: the status each leads to, and whether a reason is
# required. ``deliver`` leads to ``delivered`` (posted) or ``collected`` by the delivery.
STAFF_ACTIONS: dict[str, tuple[str, bool]] = {
    "accept": (Status.ACCEPTED, False),
    "request_more": (Status.MORE_NEEDED, True),
    "approve": (Status.APPROVED, False),
    "refuse": (Status.REFUSED, True),
    "issue": (Status.ISSUED, False),
    "deliver": (Status.DELIVERED, False),
}


def next_actions(application: Application, user: Any) -> list[str]:
    """The staff actions ``user`` may take from the application's status."""
    if user.pk == application.applicant_id:
        return []
    roles = roles_over(user, application.area_code)
    if not roles & HANDLING_ROLES:
        return []
    allowed = Application.ALLOWED[application.status]
    names = [name for name, (target, _r) in STAFF_ACTIONS.items() if target in allowed]
    if Status.COLLECTED in allowed and "deliver" not in names:
        names.append("deliver")
    if not roles & DECIDING_ROLES:
        names = [name for name in names if name not in DECISIONS]
    return names


@dataclass(frozen=True)
class Step:
    reason: str = ""
    carrier: str = ""
    tracking_number: str = ""


def _lock(application: Application) -> Application:
    return Application.objects.select_for_update().select_related("matter").get(pk=application.pk)


def act(
    application: Application,
    action: str,
    step: Step,
    *,
    actor: Any,
    now: datetime | None = None,
) -> Application:
    """One staff step. The actor must be staff who can see the application and not its
    applicant; the move must be allowed from the current status."""
    if action not in STAFF_ACTIONS:
        raise ApplicationError(_("No such action."), status=404)
    if actor.pk == application.applicant_id:
        raise ApplicationError(_("Nobody may decide their own application."), status=403)
    _require(
        actor,
        application.area_code,
        DECIDING_ROLES if action in DECISIONS else HANDLING_ROLES,
    )
    now = now or timezone.now()
    target, needs_reason = STAFF_ACTIONS[action]
    reason = _text(step.reason, "reason", required=needs_reason)
    with transaction.atomic():
        application = _lock(application)
        if action == "deliver" and application.delivery == Delivery.WINDOW:
            target = Status.COLLECTED
        _check_move(application, target)
        before = _snapshot(application)
        changed = _apply(application, target, step, now)
        application.status = target
        Application.objects.filter(pk=application.pk).update(status=target, **changed)
        for name, value in changed.items():
            setattr(application, name, value)
        _event(application, target, actor=actor, at=now, note=reason)
        notify.queue(application, target, reason)
        record(
            AuditKind.APPLICATION_STATUS_CHANGED,
            actor=actor,
            obj=application,
            before=before,
            after=_snapshot(application),
            note=reason,
        )
    if target == Status.REFUSED:
        _refund_fee(application, actor=actor)
    return application


def _check_move(application: Application, target: str) -> None:
    if target not in Application.ALLOWED[application.status]:
        raise ApplicationError(
            _("An application that is “%(status)s” cannot become “%(target)s”.")
            % {"status": application.get_status_display(), "target": Status(target).label},
            status=409,
        )


def _apply(application: Application, target: str, step: Step, now: datetime) -> dict[str, Any]:
    """The fields a move changes besides the status."""
    if target == Status.MORE_NEEDED:
        return {"paused_at": now}
    if target == Status.APPROVED:
        missing = application.materials.filter(required=True, source=Source.MISSING)
        names = list(missing.values_list("name", flat=True))
        if names:
            raise ApplicationError(
                _("Required materials are still missing: %(names)s.") % {"names": "、".join(names)},
                status=409,
            )
    if target in (Status.APPROVED, Status.REFUSED):
        return {"decided_at": now, "paused_at": None}
    if target == Status.ISSUED:
        if not fee_paid(application):
            raise ApplicationError(_("The fee has not been paid yet."), status=409)
        return {"issued_at": now, "permit_number": permit_number(application, now)}
    if target == Status.DELIVERED:
        carrier = _text(step.carrier, "carrier", required=True, limit=40)
        tracking = _text(step.tracking_number, "tracking_number", required=True, limit=30)
        tracking = tracking.replace(" ", "").upper()
        if not TRACKING.match(tracking):
            raise ApplicationError(
                _("A tracking number has 8 to 30 letters and digits."), field="tracking_number"
            )
        return {"carrier": carrier, "tracking_number": tracking, "finished_at": now}
    if target == Status.COLLECTED:
        return {"finished_at": now}
    return {}


def permit_number(application: Application, now: datetime) -> str:
    """The number printed on the certificate: the year, the matter and the application."""
    return f"{timezone.localdate(now):%Y}{application.matter_id:03d}{application.pk:07d}"


def resubmit(
    application: Application,
    *,
    actor: Any,
    note: str = "",
    consent: bool = False,
    now: datetime | None = None,
) -> Application:
    """The applicant answers a request for more materials; the deadline clock runs again from
    where it stopped. With consent, materials still missing are fetched from the library."""
    now = now or timezone.now()
    if actor is None or actor.pk != application.applicant_id:
        raise ApplicationError(_("Only the applicant can resubmit."), status=403)
    note = _text(note, "note", required=False)
    with transaction.atomic():
        application = _lock(application)
        _check_move(application, Status.RESUBMITTED)
        before = _snapshot(application)
        if application.paused_at and application.due_at:
            paused = application.paused_at
            application.due_at = deadlines.extend_if_known(application.due_at, paused, now)
            application.warn_at = deadlines.extend_if_known(application.warn_at, paused, now)
            if application.due_at is None:  # it reaches into a year not entered
                application.warn_at = None
        application.status, application.paused_at = Status.RESUBMITTED, None
        application.save(update_fields=["status", "paused_at", "due_at", "warn_at"])
        if consent:
            _fill_from_library(application, actor=actor, now=now)
        _event(application, Status.RESUBMITTED, actor=actor, at=now, note=note)
        if application.due_at is None and calendar_gap.fill_application(application):
            # kept without a deadline while a year was missing: the clock replayed, this
            # stop included, now that the calendar has every year it needs
            application.refresh_from_db(fields=["due_at", "warn_at", "warned_at"])
        record(
            AuditKind.APPLICATION_STATUS_CHANGED,
            actor=actor,
            obj=application,
            before=before,
            after=_snapshot(application),
            note=note,
        )
    return application


def _fill_from_library(application: Application, *, actor: Any, now: datetime) -> int:
    library = certificates_for(application.applicant, timezone.localdate(now))
    filled = 0
    for row in application.materials.filter(source=Source.MISSING).select_related("material"):
        cert_type = row.material.certificate_type if row.material else ""
        certificate = library.get(cert_type) if cert_type else None
        if certificate is None:
            continue
        row.source, row.certificate, row.fetched_at = Source.LIBRARY, certificate, now
        row.fetched_by = actor if actor.pk != application.applicant_id else None
        row.save(update_fields=["source", "certificate", "fetched_at", "fetched_by"])
        _fetched(application, row, actor=actor, at=now)
        filled += 1
    return filled


def fetch_at_window(
    application: Application, id_number: str, *, actor: Any, now: datetime | None = None
) -> int:
    """A clerk fetches the missing certificates for an applicant present with their ID card:
    the number typed from the card must be the applicant's. Returns how many were fetched."""
    _require(actor, application.area_code, HANDLING_ROLES)
    normal = _citizen_id(id_number, "id_number")
    if crypto.blind_index(normal, purpose="id_number") != application.applicant.id_number_index:
        raise ApplicationError(
            _("This ID number is not the applicant's."), field="id_number", status=409
        )
    now = now or timezone.now()
    with transaction.atomic():
        application = _lock(application)
        if application.status in Application.FINISHED_STATUSES:
            raise ApplicationError(_("This application is closed."), status=409)
        return _fill_from_library(application, actor=actor, now=now)


# --- reading --------------------------------------------------------------------------------

MASKED_TYPES = {"phone": crypto.mask_phone, "id_number": crypto.mask_id_number}


def answer_rows(application: Application, *, full: bool = False) -> list[dict[str, Any]]:
    """The answers in form order with their labels; phones and ID numbers masked unless
    ``full`` (the caller audits a full read)."""
    answers = json.loads(application.answers or "{}")
    rows = []
    for spec in application.matter.form:
        if spec["name"] not in answers:
            continue
        value = answers[spec["name"]]
        mask = MASKED_TYPES.get(spec["type"])
        shown = mask(str(value)) if mask and not full else value
        rows.append({"name": spec["name"], "label": label(spec), "value": shown})
    return rows


def read_in_full(application: Application, *, actor: Any, reason: str) -> list[dict[str, Any]]:
    """The answers unmasked, for staff handling it; the read is audited."""
    if not may_handle(actor, application):
        raise ApplicationError(_("Your role may not do this."), status=403)
    reason = _text(reason, "reason", required=True, limit=200)
    audit_personal_read(actor=actor, obj=application, fields=["answers"], reason=reason)
    return answer_rows(application, full=True)


# --- the deadline sweeps (run by `linli worker`) ---------------------------------------------

BATCH = 500


def _sweep(now: datetime, *, field: str, mark: str, kind: str, audit: AuditKind, note: str) -> int:
    due = list(
        Application.objects.open()
        .filter(**{f"{field}__lte": now, f"{mark}__isnull": True})
        .order_by(field)
        .values_list("id", flat=True)[:BATCH]
    )
    handled = 0
    for application_id in due:
        with transaction.atomic():
            # The claim: one worker's conditional UPDATE wins; the others find the mark set.
            claimed = Application.objects.filter(
                id=application_id, status__in=Application.OPEN_STATUSES, **{f"{mark}__isnull": True}
            ).update(**{mark: now})
            if not claimed:
                continue
            application = Application.objects.get(id=application_id)
            ApplicationEvent.objects.create(
                application=application, kind=kind, at=now, note=note, public=False
            )
            record(audit, actor=None, obj=application, note=note)
            notify.tell_handlers.enqueue(application.pk, kind)
            handled += 1
    return handled


def warn_due(now: datetime) -> int:
    """Open applications past the warning point of their deadline (75% by default)."""
    return _sweep(
        now,
        field="warn_at",
        mark="warned_at",
        kind=ApplicationEvent.Kind.WARNED,
        audit=AuditKind.APPLICATION_WARNED,
        note=_("Three quarters of the time to the deadline have passed."),
    )


def mark_overdue(now: datetime) -> int:
    """Open applications past their deadline: marked overdue on the handlers' list."""
    return _sweep(
        now,
        field="due_at",
        mark="overdue_at",
        kind=ApplicationEvent.Kind.OVERDUE,
        audit=AuditKind.APPLICATION_OVERDUE,
        note=_("The promised time limit has passed."),
    )
