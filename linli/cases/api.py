"""The cases API at /api/v1/cases/ and /api/v1/work-orders/ (contract: docs/api.md).

Anyone may report (anonymous reports are rate-limited per address); reading and handling need a
session or a bearer token. A case the caller may not see answers 404, exactly like a missing one.
"""

import base64
import binascii
import json
from datetime import datetime
from typing import Annotated, Any, Literal

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.errors import HttpError, ValidationError
from ninja.files import UploadedFile
from pydantic import AfterValidator
from pydantic import ValidationError as PydanticError

from linli.cases import actions
from linli.cases.actions import handling
from linli.cases.actions.common import CaseError
from linli.cases.models import Case, Mediation, WorkOrder, staff_units
from linli.cases.permissions import require_handler, require_recipient
from linli.cases.triage.service import triage
from linli.core import ratelimit
from linli.core.access import get_visible_or_404_api, scope_prefixes
from linli.people.auth import BearerToken, SessionUnlessToken, session_or_token
from linli.people.models import Unit

router = Router(tags=["cases"])
work_orders_router = Router(tags=["work orders"])


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError(_("The text contains a NUL character."))
    return value


Text = Annotated[str, AfterValidator(_no_nul)]


class _Anyone:
    """Authentication that lets anonymous callers through (as AnonymousUser)."""

    def __call__(self, request: HttpRequest) -> Any:
        for auth in (BearerToken(), SessionUnlessToken()):
            user = auth(request)
            if user:
                return user
        if request.META.get("HTTP_AUTHORIZATION"):
            return None  # a token was presented and is wrong: 401, never anonymous
        return True


def _fail(exc: CaseError) -> HttpError:
    """A CaseError as the API's error shape (the handler in linli/api.py adds the field)."""
    error = HttpError(exc.status, exc.message)
    error.field = exc.field  # type: ignore[attr-defined]
    return error


def _user(request: HttpRequest) -> Any:
    user = getattr(request, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


# --- schemas ---------------------------------------------------------------------------------


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


class RefOut(Schema):
    id: int
    name: str


class CategoryOut(Schema):
    code: str
    name: str


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


class CaseBriefOut(Schema):
    number: str
    kind: str
    status: str
    tier: str
    category: CategoryOut | None
    unit: RefOut
    address: str
    created_at: datetime
    due_at: datetime | None
    overdue: bool
    emergency: bool
    needs_triage: bool = Field(description="waiting in the human triage queue")


class EventOut(Schema):
    at: datetime
    kind: str
    from_status: str
    to_status: str
    note: str
    tier: str


class WorkOrderOut(Schema):
    id: int
    from_unit: RefOut
    to_unit: RefOut
    status: str
    instruction: str
    due_at: datetime
    result: str
    reason: str
    transferred_to: int | None
    created_at: datetime
    completed_at: datetime | None
    photos: list[str] = Field(description="the receiving unit's photos with its completion")


class CaseOut(CaseBriefOut):
    channel: str
    description: str
    lon: float
    lat: float
    area_code: str
    police_matter: bool
    resolved_at: datetime | None
    closed_at: datetime | None
    timeline: list[EventOut]
    work_orders: list[WorkOrderOut] | None = None
    photos: list[str]
    duplicate_of: str | None = Field(None, description="the open case this one was merged into")


class CasePage(Schema):
    items: list[CaseBriefOut]
    next: str | None


class ActionIn(Schema):
    note: Text = Field("", max_length=2000)
    reason: Text = Field("", max_length=2000)
    result: Text = Field("", max_length=2000)


class TriageCaseIn(Schema):
    category: Text = Field(..., min_length=1, max_length=64, description="a category code")
    note: Text = Field("", max_length=2000)


class MergeIn(Schema):
    into: str = Field(..., min_length=1, max_length=40, description="number of the open case")


class WorkOrderIn(Schema):
    to_unit: int = Field(..., ge=1, le=2**31 - 1)
    instruction: Text = Field(..., max_length=2000)
    due_at: datetime | None = None


class WorkOrderActionIn(Schema):
    reason: Text = Field("", max_length=2000)
    to_unit: int | None = Field(None, ge=1, le=2**31 - 1)


class CompleteIn(Schema):
    result: Text = Field("", max_length=2000)


class FeedbackIn(Schema):
    rating: int = Field(..., ge=1, le=5, strict=True)
    comment: Text = Field("", max_length=1000)
    reopen: bool = False
    code: Text = Field("", max_length=32)


class FeedbackOut(Schema):
    number: str
    status: str
    rating: int


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


# --- helpers ---------------------------------------------------------------------------------


_BRIEF_FIELDS = (
    "number", "kind", "status", "tier", "category__code", "category__name_zh", "unit_id",
    "unit__name", "address", "created_at", "due_at", "emergency", "needs_triage",
)  # fmt: skip


def _brief(case: Case, now: datetime) -> dict[str, Any]:
    return {
        "number": case.number,
        "kind": case.kind,
        "status": case.status,
        "tier": case.tier,
        "category": {"code": case.category.code, "name": case.category.name_zh}
        if case.category
        else None,
        "unit": {"id": case.unit_id, "name": case.unit.name},
        "address": case.address,
        "created_at": case.created_at,
        "due_at": case.due_at,
        "overdue": bool(case.due_at and case.due_at <= now and case.status in Case.OPEN_STATUSES),
        "emergency": case.emergency,
        "needs_triage": case.needs_triage,
    }


def _work_order(order: WorkOrder) -> dict[str, Any]:
    return {
        "id": order.pk,
        "from_unit": {"id": order.from_unit_id, "name": order.from_unit.name},
        "to_unit": {"id": order.to_unit_id, "name": order.to_unit.name},
        "status": order.status,
        "instruction": order.instruction,
        "due_at": order.due_at,
        "result": order.result,
        "reason": order.reason,
        "transferred_to": order.transferred_to_id,
        "created_at": order.created_at,
        "completed_at": order.completed_at,
        "photos": [photo.url for photo in order.photos.all()],
    }


def _full(case: Case, *, staff: bool) -> dict[str, Any]:
    events = case.events.order_by("at", "id")
    if not staff:
        events = events.filter(public=True)
    data = _brief(case, timezone.now())
    data |= {
        "channel": case.channel,
        "description": case.description,
        "lon": case.lon,
        "lat": case.lat,
        "area_code": case.area_code,
        "police_matter": case.police_matter,
        "resolved_at": case.resolved_at,
        "closed_at": case.closed_at,
        "timeline": list(events),
        # The case's own photos; a work order's go with it, to staff only.
        "photos": [photo.url for photo in case.photos.filter(work_order=None).order_by("id")],
        "duplicate_of": case.duplicate_of.number if case.duplicate_of else None,
        "work_orders": [
            _work_order(o)
            for o in case.work_orders.select_related("from_unit", "to_unit")
            .prefetch_related("photos")
            .order_by("id")
        ]
        if staff
        else None,
    }
    return data


def _visible(request: HttpRequest, number: str) -> Case:
    queryset = Case.objects.visible_to(request.user).select_related("category", "unit")
    return get_visible_or_404_api(queryset, number=number)


def _locked(request: HttpRequest, number: str) -> Case:
    """The case, visible to the caller and locked for the rest of the transaction."""
    visible = _visible(request, number)
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("category", "unit")
        .get(pk=visible.pk)
    )


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


# --- cases -----------------------------------------------------------------------------------


@router.post("/triage", response=TriageOut, auth=None, summary="Suggest a category for a text")
def triage_text(request: HttpRequest, payload: TriageIn) -> dict[str, Any]:
    return triage(payload.text).as_dict()


@router.post("", response={201: CaseCreatedOut}, auth=_Anyone(), summary="Report a case")
def create_case(request: HttpRequest, payload: CaseIn) -> Status:
    user = _user(request)
    if user is None and not ratelimit.hit(
        "intake", request.META.get("REMOTE_ADDR", ""), settings.LINLI_INTAKE_RATE
    ):
        raise HttpError(429, _("Too many reports from this address. Try again later."))
    staff = user is not None and bool(user.is_staff or staff_units(user))
    if (payload.channel or payload.caller_name) and not staff:
        raise _fail(CaseError(_("Only staff record calls and patrol findings."), field="channel"))
    if payload.caller_name and payload.channel != "phone":
        raise _fail(CaseError(_("A caller's name goes with channel phone."), field="caller_name"))
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
        raise _fail(exc) from None
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


@router.get("", response=CasePage, auth=session_or_token(), summary="Cases visible to me")
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
    cases = cases.only(*_BRIEF_FIELDS)  # no description, triage or encrypted contact to decrypt
    page = list(cases.order_by("-created_at", "-id")[: filters.limit + 1])
    more = len(page) > filters.limit
    page = page[: filters.limit]
    return {
        "items": [_brief(c, now) for c in page],
        "next": _cursor(page[-1]) if more else None,
    }


@router.get("/{number}", response=CaseOut, auth=_Anyone(), summary="One case")
def get_case(request: HttpRequest, number: str, code: str = "") -> dict[str, Any]:
    """Staff who can see it and the reporter get it; an anonymous reporter uses ``?code=``."""
    if _user(request) is None:
        case = actions.case_by_follow_up_code(number[:40], code)
        if case is None:
            raise HttpError(404, _("Not found."))
        return _full(case, staff=False)
    user = request.user
    case = _visible(request, number[:40])
    staff = scope_prefixes(user) is None or bool(staff_units(user))
    return _full(case, staff=staff or case.reporter_id != user.pk)


@router.post(
    "/{number}/work-orders",
    response={201: WorkOrderOut},
    auth=session_or_token(),
    summary="Send a work order to another unit",
)
def create_work_order(request: HttpRequest, number: str, payload: WorkOrderIn) -> Status:
    try:
        with transaction.atomic():
            case = _locked(request, number[:40])
            require_handler(request.user, case)
            unit = Unit.objects.filter(pk=payload.to_unit, is_active=True).first()
            if unit is None:
                raise CaseError(_("There is no such unit."), field="to_unit")
            order = actions.send_work_order(
                case,
                unit,
                actor=request.user,
                instruction=payload.instruction,
                due_at=payload.due_at,
            )
    except CaseError as exc:
        raise _fail(exc) from None
    return Status(201, _work_order(order))


class MediationIn(Schema):
    at: datetime = Field(..., description="when the joint session takes place")
    parties: Text = Field(..., max_length=1000)
    units: list[int] = Field(
        ..., min_length=1, max_length=10, description="ids of the units taking part"
    )
    place: Text = Field("", max_length=200)
    video_link: Text = Field("", max_length=500)


class OutcomeIn(Schema):
    agreed: bool = Field(..., strict=True)
    text: Text = Field(..., max_length=4000, description="the agreement, or why there was none")


class MediationOut(Schema):
    id: int
    case: str
    scheduled_at: datetime
    place: str
    video_link: str
    parties: str
    units: list[RefOut]
    outcome: str
    agreement: str


def _mediation(session: Mediation) -> dict[str, Any]:
    return {
        "id": session.pk,
        "case": session.case.number,
        "scheduled_at": session.scheduled_at,
        "place": session.place,
        "video_link": session.video_link,
        "parties": session.parties,
        "units": [{"id": u.pk, "name": u.name} for u in session.units.order_by("id")],
        "outcome": session.outcome,
        "agreement": session.agreement,
    }


@router.post(
    "/{number}/mediations",
    response={201: MediationOut},
    auth=session_or_token(),
    summary="Schedule a joint mediation session",
)
def schedule_mediation(request: HttpRequest, number: str, payload: MediationIn) -> Status:
    """The handling unit arranges a session with the parties and the units taking part (the
    judicial office, the shared court…), in a place or by video link."""
    try:
        with transaction.atomic():
            case = _locked(request, number[:40])
            require_handler(request.user, case)
            wanted = set(payload.units)
            units = list(Unit.objects.filter(pk__in=wanted, is_active=True))
            if len(units) != len(wanted):
                raise CaseError(_("There is no such unit."), field="units")
            session = actions.schedule_mediation(
                case,
                actor=request.user,
                at=payload.at,
                parties=payload.parties,
                units=units,
                place=payload.place,
                video_link=payload.video_link,
            )
    except CaseError as exc:
        raise _fail(exc) from None
    return Status(201, _mediation(session))


@router.post(
    "/{number}/mediations/{mediation_id}/outcome",
    response=MediationOut,
    auth=session_or_token(),
    summary="Record a mediation session's agreement or failure",
)
def record_mediation_outcome(
    request: HttpRequest, number: str, mediation_id: int, payload: OutcomeIn
) -> dict[str, Any]:
    """Once per session: 409 when its outcome is already recorded."""
    try:
        with transaction.atomic():
            case = _visible(request, number[:40])
            require_handler(request.user, case)
            session = (
                Mediation.objects.select_for_update().filter(pk=mediation_id, case=case).first()
            )
            if session is None:
                raise CaseError(_("Not found."), status=404)
            actions.record_mediation_outcome(
                session, actor=request.user, agreed=payload.agreed, text=payload.text
            )
    except CaseError as exc:
        raise _fail(exc) from None
    return _mediation(session)


@router.post(
    "/{number}/feedback",
    response={201: FeedbackOut},
    auth=_Anyone(),
    summary="The reporter rates the result, or reopens the case",
)
def give_feedback(request: HttpRequest, number: str, payload: FeedbackIn) -> Status:
    user = _user(request)
    try:
        with transaction.atomic():
            if user is not None and not payload.code:
                found = Case.objects.filter(number=number[:40], reporter_id=user.pk).first()
            else:
                found = actions.case_by_follow_up_code(number[:40], payload.code)
            if found is None:
                raise CaseError(_("Not found."), status=404)
            case = Case.objects.select_for_update().get(pk=found.pk)
            feedback = actions.give_feedback(
                case,
                actor=user,
                rating=payload.rating,
                comment=payload.comment,
                reopen=payload.reopen,
            )
    except CaseError as exc:
        raise _fail(exc) from None
    return Status(201, {"number": case.number, "status": case.status, "rating": feedback.rating})


class PhotosOut(Schema):
    photos: list[str]


@router.post(
    "/{number}/photos",
    response={201: PhotosOut},
    auth=_Anyone(),
    summary="Add up to 3 photos (multipart field `photos`)",
)
def add_photos(
    request: HttpRequest,
    number: str,
    photos: File[list[UploadedFile]],
    code: Form[str] = "",
) -> Status:
    """The reporter (signed in, or with the follow-up code) or the handling unit."""
    user = _user(request)
    try:
        with transaction.atomic():
            found: Case | None
            if user is not None and not code:
                found = _visible(request, number[:40])
                if found.reporter_id != user.pk:
                    require_handler(user, found)
            else:
                found = actions.case_by_follow_up_code(number[:40], code[:32])
                if found is None:
                    raise CaseError(_("Not found."), status=404)
            case = Case.objects.select_for_update().get(pk=found.pk)
            added = actions.add_photos(case, list(photos), actor=user)
    except CaseError as exc:
        raise _fail(exc) from None
    return Status(201, {"photos": [photo.url for photo in added]})


TRANSITIONS = handling.TRANSITIONS


@router.post(
    "/{number}/merge", response=CaseOut, auth=session_or_token(), summary="Merge a duplicate"
)
def merge_case(request: HttpRequest, number: str, payload: MergeIn) -> dict[str, Any]:
    """This case reports what an open case already covers: it becomes a duplicate of ``into``
    (which the caller must be able to see) and its reporter is pointed there."""
    try:
        with transaction.atomic():
            visible = _visible(request, number[:40])
            require_handler(request.user, visible)
            into = Case.objects.visible_to(request.user).filter(number=payload.into).first()
            if into is None:
                raise CaseError(_("There is no open case with this number."), field="into")
            actions.merge_into(visible, into, actor=request.user)
    except CaseError as exc:
        raise _fail(exc) from None
    return _full(_visible(request, number), staff=True)


@router.post(
    "/{number}/triage",
    response=CaseOut,
    auth=session_or_token(),
    summary="Choose the category of a case waiting for human triage",
)
def choose_category(request: HttpRequest, number: str, payload: TriageCaseIn) -> dict[str, Any]:
    """The handling unit sets the category; the case is routed again at its tier and its
    deadline counted again from its receipt. 409 when it is not waiting for triage."""
    try:
        with transaction.atomic():
            case = _locked(request, number[:40])
            actions.triage_case(
                case, actor=request.user, category=payload.category, note=payload.note
            )
    except CaseError as exc:
        raise _fail(exc) from None
    return _full(case, staff=True)


@router.post(
    "/{number}/{action}",
    response=CaseOut,
    auth=session_or_token(),
    summary="accept | start | resolve | close | reject | suspend | resume | escalate | reopen",
)
def change_case(
    request: HttpRequest,
    number: str,
    action: Literal[tuple(TRANSITIONS)],  # type: ignore[valid-type]
    payload: ActionIn,
) -> dict[str, Any]:
    function, argument = TRANSITIONS[action]
    try:
        with transaction.atomic():
            case = _locked(request, number[:40])
            require_handler(request.user, case)
            function(case, actor=request.user, **{argument: getattr(payload, argument)})
    except CaseError as exc:
        raise _fail(exc) from None
    return _full(_visible(request, number), staff=True)


# --- work orders -----------------------------------------------------------------------------


_COMPLETE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {"result": {"type": "string", "maxLength": 2000}},
                    "required": ["result"],
                },
                "example": {"result": "已联系车主，车辆已移走"},
            },
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "result": {"type": "string", "maxLength": 2000},
                        "photos": {
                            "type": "array",
                            "maxItems": 3,
                            "items": {"type": "string", "format": "binary"},
                        },
                    },
                    "required": ["result"],
                }
            },
        },
    }
}


def _completion(request: HttpRequest) -> tuple[str, list[Any]]:
    """The result and the photos, from a multipart form or from a JSON body without photos."""
    if request.content_type == "multipart/form-data":
        data: Any = {"result": request.POST.get("result", "")}
        photos = request.FILES.getlist("photos")
    else:
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, RecursionError):
            raise HttpError(400, _("The request body is not valid JSON.")) from None
        photos = []
    try:
        payload = CompleteIn.model_validate(data)
    except PydanticError as exc:
        raise ValidationError([dict(e, loc=("body", *e["loc"])) for e in exc.errors()]) from None
    return payload.result, photos


def _received(request: HttpRequest, order_id: int) -> WorkOrder:
    """The work order, locked, for the unit it was sent to; 404 when the caller cannot see its
    case, 403 when they can but it was not sent to them."""
    order = (
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related("case", "from_unit", "to_unit")
        .filter(pk=order_id, case__in=Case.objects.visible_to(request.user))
        .first()
    )
    if order is None:
        raise CaseError(_("Not found."), status=404)
    require_recipient(request.user, order)
    return order


def _order_out(order: WorkOrder) -> dict[str, Any]:
    fresh = WorkOrder.objects.select_related("from_unit", "to_unit").prefetch_related("photos")
    return _work_order(fresh.get(pk=order.pk))


@work_orders_router.post(
    "/{order_id}/complete",
    response=WorkOrderOut,
    auth=session_or_token(),
    summary="Complete: the result, with up to 3 photos (multipart field `photos`)",
    openapi_extra=_COMPLETE_BODY,
)
def complete_work_order(request: HttpRequest, order_id: int) -> dict[str, Any]:
    """回单. JSON ``{"result": "…"}``, or a multipart form with ``result`` and up to 3
    ``photos`` (JPEG, PNG or WebP, re-encoded without EXIF). Only an accepted order completes."""
    result, photos = _completion(request)
    try:
        with transaction.atomic():
            order = _received(request, order_id)
            actions.complete_work_order(order, actor=request.user, result=result, photos=photos)
    except CaseError as exc:
        raise _fail(exc) from None
    return _order_out(order)


@work_orders_router.post(
    "/{order_id}/{action}",
    response=WorkOrderOut,
    auth=session_or_token(),
    summary="accept | return | transfer",
)
def change_work_order(
    request: HttpRequest,
    order_id: int,
    action: Literal["accept", "return", "transfer"],
    payload: WorkOrderActionIn,
) -> dict[str, Any]:
    try:
        with transaction.atomic():
            order = _received(request, order_id)
            if action == "accept":
                order = actions.accept_work_order(order, actor=request.user)
            elif action == "return":
                order = actions.return_work_order(order, actor=request.user, reason=payload.reason)
            else:
                unit = Unit.objects.filter(pk=payload.to_unit or 0, is_active=True).first()
                if unit is None:
                    raise CaseError(_("There is no such unit."), field="to_unit")
                order = actions.transfer_work_order(
                    order, unit, actor=request.user, reason=payload.reason
                )
    except CaseError as exc:
        raise _fail(exc) from None
    return _order_out(order)
