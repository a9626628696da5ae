"""The identity API at /api/v1/identity/: the e-ID (issue, public key, verify) and online
consultations with police rooms."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import segno
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from linli.core.access import get_visible_or_404_api
from linli.identity import actions, eid
from linli.identity.actions import IdentityError
from linli.identity.eid import EidError
from linli.identity.models import Consultation, ConsultationMessage
from linli.people.auth import session_or_token
from linli.people.models import Unit, User

router = Router(tags=["identity"])

Id = Annotated[int, Field(ge=1, le=2**53)]


def _fail(exc: IdentityError) -> HttpError:
    error = HttpError(exc.status, exc.message)
    error.field = exc.field  # type: ignore[attr-defined]
    return error


def _not_configured() -> HttpError:
    return HttpError(503, _("The e-ID is not configured on this server."))


# --- the e-ID ---------------------------------------------------------------------------------


class EidOut(Schema):
    token: str
    issued_at: datetime
    expires_at: datetime
    qr_svg: str


class PublicKeyOut(Schema):
    algorithm: str
    public_key: str = Field(description="base64url of the 32-byte raw Ed25519 public key")
    pem: str
    prefix: str
    lifetime_seconds: int


class VerifyIn(Schema):
    token: str = Field(max_length=4000)


class VerifiedOut(Schema):
    valid: bool
    name: str
    id_number: str
    photo: str | None
    issued_at: datetime
    expires_at: datetime


class FieldError(Schema):
    field: str
    message: str


class RefusedOut(Schema):
    valid: bool
    reason: str
    message: str
    errors: list[FieldError]


def qr_svg(token: str) -> str:
    return str(segno.make(token, error="m").svg_inline(scale=4, dark="#0b3d91"))


@router.post("/eid", auth=session_or_token(), response={201: EidOut}, summary="Issue my e-ID code")
def issue(request: HttpRequest) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    try:
        issued = actions.issue_eid(user, actor=user)
    except IdentityError as exc:
        raise _fail(exc) from exc
    except ImproperlyConfigured:
        raise _not_configured() from None
    return Status(
        201,
        {
            "token": issued.token,
            "issued_at": timezone.localtime(issued.claims.issued_at),
            "expires_at": timezone.localtime(issued.claims.expires_at),
            "qr_svg": qr_svg(issued.token),
        },
    )


@router.get("/eid/public-key", response=PublicKeyOut, summary="The key that verifies e-ID codes")
def public_key(request: HttpRequest) -> Any:
    try:
        key = eid.signing_key()
    except ImproperlyConfigured:
        raise _not_configured() from None
    return {
        "algorithm": "Ed25519",
        "public_key": eid.public_key_b64(key),
        "pem": eid.public_key_pem(key),
        "prefix": eid.PREFIX,
        "lifetime_seconds": int(eid.LIFETIME.total_seconds()),
    }


@router.post(
    "/eid/verify",
    auth=session_or_token(),
    response={200: VerifiedOut, 400: RefusedOut},
    summary="Verify an e-ID code (officers and staff)",
    url_name="identity_verify_eid",
)
def verify(request: HttpRequest, payload: VerifyIn) -> Any:
    try:
        claims = actions.verify_eid(payload.token, actor=request.auth)  # type: ignore[attr-defined]
    except IdentityError as exc:
        raise _fail(exc) from exc
    except ImproperlyConfigured:
        raise _not_configured() from None
    except EidError as exc:
        message = actions.reason_message(exc.reason)
        return Status(
            400,
            {
                "valid": False,
                "reason": str(exc.reason),
                "message": message,
                "errors": [{"field": "token", "message": message}],
            },
        )
    return {
        "valid": True,
        "name": claims.name,
        "id_number": claims.id_number,
        "photo": claims.photo,
        "issued_at": timezone.localtime(claims.issued_at),
        "expires_at": timezone.localtime(claims.expires_at),
    }


# --- consultations ----------------------------------------------------------------------------


class RefOut(Schema):
    id: int
    name: str


class MessageOut(Schema):
    id: int
    author: str
    from_staff: bool
    text: str
    created_at: datetime


class ConsultationOut(Schema):
    id: int
    subject: str
    status: str
    unit: RefOut
    officer: RefOut | None
    resident: str
    created_at: datetime
    first_reply_at: datetime | None
    response_seconds: int | None


class ConsultationDetailOut(ConsultationOut):
    messages: list[MessageOut]


class ConsultationPage(Schema):
    count: int
    items: list[ConsultationOut]


class ConsultationIn(Schema):
    unit: Id
    officer: Id | None = None
    subject: str = Field(max_length=actions.SUBJECT_MAX)
    text: str = Field(max_length=actions.BODY_MAX)


class MessageIn(Schema):
    text: str = Field(max_length=actions.BODY_MAX)


def _local(moment: datetime | None) -> datetime | None:
    return timezone.localtime(moment) if moment else None


def consultation_out(row: Consultation) -> dict[str, Any]:
    response = row.response_time
    return {
        "id": row.pk,
        "subject": row.subject,
        "status": row.status,
        "unit": {"id": row.unit_id, "name": row.unit.name},
        "officer": {"id": row.officer.pk, "name": row.officer.masked_name} if row.officer else None,
        "resident": row.resident.masked_name,
        "created_at": _local(row.created_at),
        "first_reply_at": _local(row.first_reply_at),
        "response_seconds": int(response.total_seconds()) if response is not None else None,
    }


def _message_out(message: ConsultationMessage) -> dict[str, Any]:
    return {
        "id": message.pk,
        "author": message.author.masked_name if message.author else "",
        "from_staff": message.from_staff,
        "text": message.body,
        "created_at": _local(message.created_at),
    }


def _detail(row: Consultation) -> dict[str, Any]:
    messages = row.messages.select_related("author")
    return {**consultation_out(row), "messages": [_message_out(m) for m in messages]}


def _visible(request: HttpRequest) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    return Consultation.objects.visible_to(user).select_related("unit", "officer", "resident")


@router.get(
    "/consultations",
    auth=session_or_token(),
    response=ConsultationPage,
    summary="My consultations (residents) or my rooms' (staff)",
)
def list_consultations(
    request: HttpRequest,
    status: Literal["open", "answered", "closed"] | None = None,
    limit: int = Query(20, ge=1, le=100),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> Any:
    rows = _visible(request)
    if status:
        rows = rows.filter(status=status)
    return {
        "count": rows.count(),
        "items": [consultation_out(r) for r in rows[offset : offset + limit]],
    }


@router.post(
    "/consultations",
    auth=session_or_token(),
    response={201: ConsultationDetailOut},
    summary="Write to a police room or one of its officers",
)
def create_consultation(request: HttpRequest, payload: ConsultationIn) -> Any:
    officer = None
    if payload.officer is not None:
        officer = User.objects.filter(pk=payload.officer, is_active=True).first()
        if officer is None:
            raise _fail(IdentityError(_("There is no such officer."), field="officer"))
    try:
        row = actions.open_consultation(
            actor=request.auth,  # type: ignore[attr-defined]
            unit=Unit.objects.filter(pk=payload.unit).first(),
            officer=officer,
            subject=payload.subject,
            body=payload.text,
        )
    except IdentityError as exc:
        raise _fail(exc) from exc
    return Status(201, _detail(_visible(request).get(pk=row.pk)))


@router.get(
    "/consultations/{consultation_id}",
    auth=session_or_token(),
    response=ConsultationDetailOut,
    summary="A consultation with its messages",
)
def read_consultation(request: HttpRequest, consultation_id: int) -> Any:
    return _detail(get_visible_or_404_api(_visible(request), pk=consultation_id))


@router.post(
    "/consultations/{consultation_id}/messages",
    auth=session_or_token(),
    response={201: ConsultationDetailOut},
    summary="Reply (staff of the room) or follow up (the resident)",
)
def reply(request: HttpRequest, consultation_id: int, payload: MessageIn) -> Any:
    row = get_visible_or_404_api(_visible(request), pk=consultation_id)
    try:
        actions.add_message(row, actor=request.auth, body=payload.text)  # type: ignore[attr-defined]
    except IdentityError as exc:
        raise _fail(exc) from exc
    return Status(201, _detail(_visible(request).get(pk=row.pk)))


@router.post(
    "/consultations/{consultation_id}/close",
    auth=session_or_token(),
    response=ConsultationDetailOut,
    summary="Close a consultation",
)
def close(request: HttpRequest, consultation_id: int) -> Any:
    row = get_visible_or_404_api(_visible(request), pk=consultation_id)
    try:
        actions.close_consultation(row, actor=request.auth)  # type: ignore[attr-defined]
    except IdentityError as exc:
        raise _fail(exc) from exc
    return _detail(_visible(request).get(pk=row.pk))
