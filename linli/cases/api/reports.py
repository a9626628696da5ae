"""Reporting a case and reading cases: the triage suggestion, intake from anyone (anonymous
reports rate-limited per address), the caller's list of visible cases, and one case."""

import base64
import binascii
from datetime import datetime
from typing import Any, Literal

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema, Status
from ninja.errors import HttpError

from linli.cases import actions
from linli.cases.actions.common import CaseError
from linli.cases.api.common import (
    BRIEF_FIELDS,
    Anyone,
    CaseBriefOut,
    CaseOut,
    RefOut,
    Text,
    caller,
    case_brief,
    case_full,
    fail,
    router,
    visible_case,
)
from linli.cases.models import Case, staff_units
from linli.cases.triage.service import triage
from linli.core import ratelimit
from linli.core.access import scope_prefixes
from linli.people.auth import session_or_token


class CaseIn(Schema):
    kind: Text = Field(..., max_length=16)
    category: Text | None = Field(None, max_length=64)
    description: Text = Field(..., max_length=2000)
    lon: float = Field(..., ge=-180, le=180)
    lat: float = Field(..., ge=-90, le=90)
    address: Text = Field("", max_length=200)
    contact_phone: Text = Field("", max_length=40)
    anonymous: bool = False
    channel: Literal["phone", "officer"] | None = Field(
        None, description="staff only: a phone call they write down, or found on patrol"
    )
    caller_name: Text = Field("", max_length=100, description="staff only, with channel=phone")


class CaseCreatedOut(Schema):
    number: str
    status: str
    tier: str
    category: str | None
    unit: RefOut
    due_at: datetime | None
    follow_up_code: str | None = None
    emergency: bool
    advice: str | None = None
    needs_triage: bool
    duplicates: list[str]


class CasePage(Schema):
    items: list[CaseBriefOut]
    next: str | None


class TriageIn(Schema):
    text: Text = Field(..., min_length=1, max_length=2000)


class AlternativeOut(Schema):
    code: str
    confidence: float


class TriageOut(Schema):
    category: str
    top: str
    confidence: float
    police_matter: bool
    emergency: bool
    emergency_numbers: list[str]
    alternatives: list[AlternativeOut]
    needs_human: bool


class CaseFilters(Schema):
    status: Literal[tuple(Case.Status.values)] | None = None  # type: ignore[valid-type]
    tier: Literal["community", "street", "district"] | None = None
    category: Text | None = Field(None, max_length=64)
    overdue: bool | None = None
    needs_triage: bool | None = None
    unit: int | None = Field(None, ge=1, le=2**31 - 1)
    after: str | None = Field(None, max_length=200)
    limit: int = Field(20, ge=1, le=100)


def _cursor(case: Case) -> str:
    raw = f"{case.created_at.isoformat()}|{case.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _after(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, pk = raw.split("|")
        return datetime.fromisoformat(stamp), int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise HttpError(400, _("The cursor is not one this API gave out.")) from None


@router.post(
    "/triage",
    response=TriageOut,
    auth=None,
    summary="Suggest a category for a text",
    operation_id="linli_cases_api_triage_text",
)
def triage_text(request: HttpRequest, payload: TriageIn) -> dict[str, Any]:
    return triage(payload.text).as_dict()


@router.post(
    "",
    response={201: CaseCreatedOut},
    auth=Anyone(),
    summary="Report a case",
    operation_id="linli_cases_api_create_case",
)
def create_case(request: HttpRequest, payload: CaseIn) -> Status:
    user = caller(request)
    if user is None and not ratelimit.hit(
        "intake", request.META.get("REMOTE_ADDR", ""), settings.LINLI_INTAKE_RATE
    ):
        raise HttpError(429, _("Too many reports from this address. Try again later."))
    staff = user is not None and bool(user.is_staff or staff_units(user))
    if (payload.channel or payload.caller_name) and not staff:
        raise fail(CaseError(_("Only staff record calls and patrol findings."), field="channel"))
    if payload.caller_name and payload.channel != "phone":
        raise fail(CaseError(_("A caller's name goes with channel phone."), field="caller_name"))
    on_behalf = payload.channel == "phone"
    channel = Case.Channel(payload.channel) if payload.channel else Case.Channel.WEB
    if staff and not payload.channel:
        channel = Case.Channel.OFFICER
    intake = actions.Intake(
        kind=payload.kind,
        channel=channel,
        description=payload.description,
        lon=payload.lon,
        lat=payload.lat,
        address=payload.address,
        category=payload.category or None,
        contact_phone=payload.contact_phone,
        reporter_name=payload.caller_name if on_behalf else getattr(user, "full_name", ""),
        anonymous=payload.anonymous,
        on_behalf=on_behalf,
    )
    try:
        submitted = actions.submit_case(intake, actor=user)
    except CaseError as exc:
        raise fail(exc) from None
    case = submitted.case
    advice = None
    if submitted.emergency_numbers:
        advice = _("This may be an emergency: call %(numbers)s now.") % {
            "numbers": " / ".join(submitted.emergency_numbers)
        }
    return Status(
        201,
        {
            "number": case.number,
            "status": case.status,
            "tier": case.tier,
            "category": case.category.code if case.category else None,
            "unit": {"id": case.unit_id, "name": case.unit.name},
            "due_at": case.due_at,
            "follow_up_code": submitted.follow_up_code,
            "emergency": case.emergency,
            "advice": advice,
            "needs_triage": case.needs_triage,
            "duplicates": [c.number for c in submitted.possible_duplicates],
        },
    )


@router.get(
    "",
    response=CasePage,
    auth=session_or_token(),
    summary="Cases visible to me",
    operation_id="linli_cases_api_list_cases",
)
def list_cases(request: HttpRequest, filters: Query[CaseFilters]) -> dict[str, Any]:
    """Newest first, keyset-paginated: pass ``next`` back as ``after``. No total count: it
    would cost a scan of every visible case on each page."""
    now = timezone.now()
    user = request.user
    if filters.unit and (scope_prefixes(user) is None or filters.unit in staff_units(user)):
        # The officer's inbox: their own unit's cases, straight from the (unit, created) index.
        cases = Case.objects.filter(unit_id=filters.unit)
    else:
        cases = Case.objects.visible_to(user)
    cases = cases.select_related("category", "unit")
    if filters.status:
        cases = cases.filter(status=filters.status)
    if filters.tier:
        cases = cases.filter(tier=filters.tier)
    if filters.category:
        cases = cases.filter(category__code__startswith=filters.category)
    if filters.unit:
        cases = cases.filter(unit_id=filters.unit)
    if filters.overdue is True:
        cases = cases.filter(status__in=Case.OPEN_STATUSES, due_at__lte=now)
    elif filters.overdue is False:
        cases = cases.exclude(status__in=Case.OPEN_STATUSES, due_at__lte=now)
    if filters.needs_triage is not None:
        cases = cases.filter(needs_triage=filters.needs_triage)
    if filters.after:
        stamp, pk = _after(filters.after)
        cases = cases.filter(created_at__lte=stamp).exclude(created_at=stamp, id__gte=pk)
    cases = cases.only(*BRIEF_FIELDS)  # no description, triage or encrypted contact to decrypt
    page = list(cases.order_by("-created_at", "-id")[: filters.limit + 1])
    more = len(page) > filters.limit
    page = page[: filters.limit]
    return {
        "items": [case_brief(c, now) for c in page],
        "next": _cursor(page[-1]) if more else None,
    }


@router.get(
    "/{number}",
    response=CaseOut,
    auth=Anyone(),
    summary="One case",
    operation_id="linli_cases_api_get_case",
)
def get_case(request: HttpRequest, number: str, code: str = "") -> dict[str, Any]:
    """Staff who can see it and the reporter get it; an anonymous reporter uses ``?code=``."""
    if caller(request) is None:
        case = actions.case_by_follow_up_code(number[:40], code)
        if case is None:
            raise HttpError(404, _("Not found."))
        return case_full(case, staff=False)
    user = request.user
    case = visible_case(request, number[:40])
    staff = scope_prefixes(user) is None or bool(staff_units(user))
    return case_full(case, staff=staff or case.reporter_id != user.pk)
