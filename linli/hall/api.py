"""The catalogue API at /api/v1/hall/: list and search matters, one matter with its materials
and form, and a check of filled-in answers against that form. Public: no sign-in."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError
from pydantic import field_validator

from linli.core.access import get_visible_or_404_api
from linli.hall import applications, search
from linli.hall.applications import AnswersInvalid, ApplicationError
from linli.hall.forms_spec import label, validate_form
from linli.hall.models import (
    Application,
    ApplicationStatus,
    Delivery,
    Domain,
    Kind,
    Material,
    Matter,
    is_code,
)
from linli.people.auth import session_or_token
from linli.people.models import User, is_staff

router = Router(tags=["hall"])


class MatterFilters(Schema):
    domain: Domain | None = None
    kind: Kind | None = None
    q: str = Field("", max_length=50, description="substring of the name, conditions or materials")
    delegated: bool | None = Field(None, description="only matters every police room takes")
    page: int = Field(1, ge=1, le=10_000)

    @field_validator("q")
    @classmethod
    def _printable(cls, value: str) -> str:
        if "\x00" in value:
            raise ValueError(_("The text contains characters that are not allowed."))
        return value.strip()


class MatterBrief(Schema):
    code: str
    name: str
    name_zh: str
    name_en: str
    domain: str
    kind: str
    fee_fen: int
    promised_days: int
    trips: int
    channels: list[str]
    delegated_to_police_rooms: bool


class MatterPage(Schema):
    count: int
    next: str | None
    previous: str | None
    items: list[MatterBrief]


class MaterialOut(Schema):
    name: str
    required: bool
    certificate_type: str = Field(description="empty unless the e-certificate library has it")
    from_certificate_library: bool = Field(description="true: nothing to hand in")
    note: str


class FieldOut(Schema):
    name: str
    label: str
    type: str
    required: bool
    choices: list[str] | None = None
    max_length: int | None = None


class MatterOut(MatterBrief):
    domain_label: str
    kind_label: str
    level: str
    level_label: str
    agency: str
    conditions: str
    legal_basis: str
    fee_note: str
    statutory_days: int
    materials: list[MaterialOut]
    fields: list[FieldOut]


class CheckOut(Schema):
    valid: bool
    data: dict[str, Any]


def _brief(row: dict[str, Any]) -> dict[str, Any]:
    english = (translation.get_language() or "").startswith("en")
    return {**row, "name": row["name_en"] if english else row["name_zh"]}


def _page_url(request: HttpRequest, page: int) -> str:
    query = request.GET.copy()
    query["page"] = str(page)
    return f"{request.path}?{query.urlencode()}"


def _matter_or_404(code: str) -> Matter:
    materials = Prefetch("materials", queryset=Material.objects.order_by("position", "id"))
    matters = Matter.objects.active().prefetch_related(materials)
    matter = matters.filter(code=code).first() if is_code(code) else None
    if matter is None:
        raise HttpError(404, _("There is no such matter."))
    return matter


@router.get("/matters", response=MatterPage, summary="Search the catalogue of matters")
def list_matters(request: HttpRequest, filters: Query[MatterFilters]) -> dict[str, Any]:
    """Active matters in catalogue order, 20 a page, filtered and searched (Chinese substring
    over names, conditions and material names). ``count`` is the number of matches."""
    page, count = search.find(
        filters.q, filters.domain or "", filters.kind or "", filters.delegated, filters.page
    )
    more = filters.page * search.PAGE_SIZE < count
    return {
        "count": count,
        "next": _page_url(request, filters.page + 1) if more else None,
        "previous": _page_url(request, filters.page - 1) if filters.page > 1 else None,
        "items": [_brief(row) for row in page],
    }


@router.get("/matters/{code}", response=MatterOut, exclude_none=True, summary="One matter in full")
def get_matter(request: HttpRequest, code: str) -> dict[str, Any]:
    """Everything a resident needs: conditions, materials (and which the e-certificate library
    supplies), fee, time limits, channels, trips, and the fields of the application form with
    labels in the request's language."""
    matter = _matter_or_404(code)
    return {
        **_brief({name: getattr(matter, name) for name in search.BRIEF_FIELDS}),
        "domain_label": matter.get_domain_display(),
        "kind_label": matter.get_kind_display(),
        "level": matter.level,
        "level_label": matter.get_level_display(),
        "agency": matter.agency,
        "conditions": matter.conditions,
        "legal_basis": matter.legal_basis,
        "fee_note": matter.fee_note,
        "statutory_days": matter.statutory_days,
        "materials": [
            {
                "name": m.name,
                "required": m.required,
                "certificate_type": m.certificate_type,
                "from_certificate_library": bool(m.certificate_type),
                "note": m.note,
            }
            for m in matter.materials.all()
        ],
        "fields": [
            {
                "name": spec["name"],
                "label": label(spec),
                "type": spec["type"],
                "required": bool(spec.get("required")),
                "choices": spec.get("choices"),
                "max_length": spec.get("max_length"),
            }
            for spec in matter.form
        ],
    }


_ANSWERS_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"type": "object", "additionalProperties": True},
                "example": {"query_name": "张伟", "phone": "13812345678"},
            }
        },
    }
}


def _answers(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body or b"")
    except (ValueError, RecursionError):
        raise HttpError(400, _("The request body is not valid JSON.")) from None


@router.post(
    "/matters/{code}/check",
    response=CheckOut,
    summary="Check answers to the form",
    openapi_extra=_ANSWERS_BODY,
)
def check_form(request: HttpRequest, code: str) -> dict[str, Any]:
    """Check an applicant's answers (a JSON object of field names and values) against the
    matter's form without storing anything: the clean answers, or 400 with a translated message
    per field."""
    matter = _matter_or_404(code)
    clean, errors = validate_form(matter, _answers(request))
    if errors:
        raise FormErrors(errors)
    return {"valid": True, "data": clean}


class FormErrors(HttpError):
    """A 400 whose body lists every field's messages (see linli.api's error handler)."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(400, _("The form has invalid fields."))
        self.errors = [
            {"field": name, "message": message}
            for name, messages in errors.items()
            for message in messages
        ]


# --- applications (办件) ----------------------------------------------------------------------


class ApplyIn(Schema):
    matter: str = Field(..., max_length=32)
    data: dict[str, Any]
    delivery: Delivery = Delivery.WINDOW
    address: str = Field("", max_length=500, description="postal address, for delivery by post")
    consent: bool = Field(
        False,
        description="the applicant agreed to fetch certificates from the e-certificate library; "
        "ask before sending true (without it nothing is fetched: the materials are missing)",
    )
    applicant_id_number: str = Field(
        "", max_length=18, description="staff filing for a resident (代办): the resident's ID"
    )


class AppliedMaterialOut(Schema):
    position: int
    name: str
    required: bool
    source: str
    certificate: str = Field("", description="type and masked number when fetched")


class EventOut(Schema):
    at: datetime
    kind: str
    status: str
    note: str


class AnswerOut(Schema):
    name: str
    label: str
    value: Any


class ApplicationOut(Schema):
    number: str
    matter: str
    matter_name: str
    status: str
    status_label: str
    submitted_at: datetime
    due_at: datetime | None
    overdue: bool
    fee_fen: int
    fee_paid: bool
    delivery: str
    permit_number: str
    carrier: str
    tracking_number: str
    materials: list[AppliedMaterialOut]
    answers: list[AnswerOut]
    events: list[EventOut]
    next_actions: list[str] = Field(description="what staff may do next")


class ApplicationBrief(Schema):
    number: str
    matter: str
    matter_name: str
    status: str
    submitted_at: datetime
    due_at: datetime | None
    overdue: bool


class ApplicationPage(Schema):
    count: int
    items: list[ApplicationBrief]


class StepIn(Schema):
    reason: str = Field("", max_length=500)
    carrier: str = Field("", max_length=40)
    tracking_number: str = Field("", max_length=40)


class ResubmitIn(Schema):
    note: str = Field("", max_length=500)
    consent: bool = False


class FetchIn(Schema):
    id_number: str = Field(..., max_length=18)


class PayOut(Schema):
    out_trade_no: str
    pay_url: str
    amount_fen: int
    expires_at: datetime


class CertificateOut(Schema):
    type: str
    type_label: str
    number: str
    subject: str
    issuer: str
    valid_from: date
    valid_until: date | None


def _refused(exc: ApplicationError) -> HttpError:
    if isinstance(exc, AnswersInvalid):
        return FormErrors(exc.errors)
    error = HttpError(exc.status, exc.message)
    error.field = exc.field  # type: ignore[attr-defined]
    return error


@contextmanager
def _refusing() -> Iterator[None]:
    """An action's refusal as the API's error (400 by field, 403, 404, 409 …)."""
    try:
        yield
    except ApplicationError as exc:
        raise _refused(exc) from exc


def _application_or_404(request: HttpRequest, number: str) -> Application:
    mine = Application.objects.visible_to(request.auth).select_related("matter", "applicant")  # type: ignore[attr-defined]
    return get_visible_or_404_api(mine.numbered(number))


def application_out(application: Application, user: Any) -> dict[str, Any]:
    staff = applications.may_handle(user, application)
    events = application.events.all() if staff else application.events.filter(public=True)
    materials = application.materials.select_related("certificate")
    return {
        "number": application.number,
        "matter": application.matter.code,
        "matter_name": _brief(
            {"name_zh": application.matter.name_zh, "name_en": application.matter.name_en}
        )["name"],
        "status": application.status,
        "status_label": application.get_status_display(),
        "submitted_at": application.submitted_at,
        "due_at": application.due_at,
        "overdue": application.is_overdue,
        "fee_fen": application.fee_fen,
        "fee_paid": applications.fee_paid(application),
        "delivery": application.delivery,
        "permit_number": application.permit_number,
        "carrier": application.carrier,
        "tracking_number": application.tracking_number,
        "materials": [
            {
                "position": m.position,
                "name": m.name,
                "required": m.required,
                "source": m.source,
                "certificate": str(m.certificate) if m.certificate else "",
            }
            for m in materials
        ],
        "answers": applications.answer_rows(application),
        "events": [
            {"at": e.at, "kind": e.kind, "status": e.status, "note": e.note} for e in events
        ],
        "next_actions": applications.next_actions(application, user),
    }


def _applicant_for(request: HttpRequest, id_number: str) -> User:
    user = request.auth  # type: ignore[attr-defined]
    if not id_number:
        return user
    if not is_staff(user):
        raise HttpError(403, _("Only staff may apply for someone else."))
    with _refusing():
        return applications.applicant_by_id_number(id_number)


@router.post(
    "/applications",
    auth=session_or_token(),
    response={201: ApplicationOut},
    summary="Apply for a matter online (or for a resident, as staff: 代办)",
)
def apply(request: HttpRequest, payload: ApplyIn) -> Status:
    """The answers are checked against the matter's form (400 with a message per field). With
    ``consent``, each material the e-certificate library can supply is fetched (``source:
    library``, nothing to bring); the rest are ``missing`` until handed in. ``fee_fen`` includes
    the postage when the result is sent by post."""
    matter = _matter_or_404(payload.matter)
    applicant = _applicant_for(request, payload.applicant_id_number)
    filing = applications.Filing(
        answers=payload.data,
        delivery=payload.delivery,
        address=payload.address,
        consent=payload.consent,
    )
    with _refusing():
        application = applications.submit(matter, applicant, filing, actor=request.auth)  # type: ignore[attr-defined]
    return Status(201, application_out(application, request.auth))  # type: ignore[attr-defined]


@router.get(
    "/applications",
    auth=session_or_token(),
    response=ApplicationPage,
    summary="Applications: a resident's own, or staff's within their jurisdiction",
)
def list_applications(
    request: HttpRequest,
    status: ApplicationStatus | None = None,
    mine: bool = False,
    limit: int = Query(20, ge=1, le=100),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> dict[str, Any]:
    """Newest first. Staff see their jurisdiction's (``mine=true``: only their own
    applications); residents only theirs."""
    user = request.auth  # type: ignore[attr-defined]
    rows = Application.objects.visible_to(user).select_related("matter")
    if mine or not is_staff(user):
        rows = rows.filter(applicant=user)
    if status:
        rows = rows.filter(status=status)
    items = rows.order_by("-submitted_at", "-id")[offset : offset + limit]
    return {
        "count": rows.count(),
        "items": [
            {
                "number": a.number,
                "matter": a.matter.code,
                "matter_name": a.matter.name_zh,
                "status": a.status,
                "submitted_at": a.submitted_at,
                "due_at": a.due_at,
                "overdue": a.is_overdue,
            }
            for a in items
        ],
    }


@router.get(
    "/applications/{number}",
    auth=session_or_token(),
    response=ApplicationOut,
    summary="One application (its applicant, or staff of its area)",
)
def get_application(request: HttpRequest, number: str) -> dict[str, Any]:
    """Status, deadline, fee, materials and their sources, the answers (phones and ID numbers
    masked), the timeline (the applicant sees its public part) and what staff may do next.
    Someone else's application, or one outside the jurisdiction, is 404."""
    return application_out(_application_or_404(request, number), request.auth)  # type: ignore[attr-defined]


@router.post(
    "/applications/{number}/resubmit",
    auth=session_or_token(),
    response=ApplicationOut,
    summary="The applicant answers a request for more materials",
)
def resubmit(request: HttpRequest, number: str, payload: ResubmitIn) -> dict[str, Any]:
    """Only from ``more_needed``, only by the applicant. The deadline moves on by the working
    time the clock was stopped; with ``consent`` the library fills what it can."""
    application = _application_or_404(request, number)
    with _refusing():
        user = request.auth  # type: ignore[attr-defined]
        application = applications.resubmit(
            application, actor=user, note=payload.note, consent=payload.consent
        )
    return application_out(application, request.auth)  # type: ignore[attr-defined]


@router.post(
    "/applications/{number}/pay",
    auth=session_or_token(),
    response=PayOut,
    summary="The payment order for the fee: go to its pay_url",
)
def pay(request: HttpRequest, number: str) -> Any:
    """The applicant's order for the fee (an open one is reused). 409 when there is nothing to
    pay; 503 when the payment service cannot be reached."""
    application = _application_or_404(request, number)
    with _refusing():
        return applications.pay(application, actor=request.auth)  # type: ignore[attr-defined]


@router.post(
    "/applications/{number}/fetch",
    auth=session_or_token(),
    response=ApplicationOut,
    summary="Staff at a window fetch the missing certificates of an applicant present",
)
def fetch(request: HttpRequest, number: str, payload: FetchIn) -> dict[str, Any]:
    """The ID number typed from the card must be the applicant's (409 otherwise). Every
    certificate fetched is an audit event."""
    application = _application_or_404(request, number)
    with _refusing():
        applications.fetch_at_window(application, payload.id_number, actor=request.auth)  # type: ignore[attr-defined]
    return application_out(application, request.auth)  # type: ignore[attr-defined]


@router.post(
    "/applications/{number}/materials/{position}",
    auth=session_or_token(),
    response=ApplicationOut,
    summary="Hand in one material as a file (multipart field `file`)",
)
def upload_material(
    request: HttpRequest, number: str, position: int, file: File[UploadedFile]
) -> dict[str, Any]:
    """``position`` is the material's index in ``materials``. A PDF is kept as sent; a JPEG,
    PNG or WebP photo is re-encoded without its EXIF; at most 10 MB. The material's source
    becomes ``upload``. Not for a material fetched from the library, nor after the decision."""
    application = _application_or_404(request, number)
    with _refusing():
        applications.attach_upload(application, position, file, actor=request.auth)  # type: ignore[attr-defined]
    return application_out(application, request.auth)  # type: ignore[attr-defined]


@router.post(
    "/applications/{number}/{action}",
    auth=session_or_token(),
    response=ApplicationOut,
    summary="A staff step: accept, request_more, approve, refuse, issue, deliver",
)
def step(request: HttpRequest, number: str, action: str, payload: StepIn) -> dict[str, Any]:
    """``request_more`` and ``refuse`` need a ``reason``; ``deliver`` needs ``carrier`` and
    ``tracking_number`` when the result goes by post (it is ``collected`` at a window)."""
    if action not in applications.STAFF_ACTIONS:
        raise HttpError(404, _("No such action."))
    application = _application_or_404(request, number)
    with _refusing():
        application = applications.act(
            application,
            action,
            applications.Step(payload.reason, payload.carrier, payload.tracking_number),
            actor=request.auth,  # type: ignore[attr-defined]
        )
    return application_out(application, request.auth)  # type: ignore[attr-defined]


@router.get(
    "/certificates",
    auth=session_or_token(),
    response=list[CertificateOut],
    summary="My certificates in the e-certificate library",
)
def my_certificates(request: HttpRequest) -> list[dict[str, Any]]:
    """Valid certificates the library holds for the signed-in person's ID number, the most
    recent of each type, numbers masked."""
    user = request.auth  # type: ignore[attr-defined]
    found = applications.certificates_for(user, timezone.localdate())
    return [
        {
            "type": c.cert_type,
            "type_label": c.get_cert_type_display(),
            "number": c.masked_number,
            "subject": c.subject,
            "issuer": c.issuer,
            "valid_from": c.valid_from,
            "valid_until": c.valid_until,
        }
        for c in found.values()
    ]
