"""What the cases API's modules share: the two routers, text without NUL, the caller who may be
anonymous, the error shape, and a case (brief or full, with its work orders) as answers give it.
"""

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from pydantic import AfterValidator

from linli.cases.actions.common import CaseError
from linli.cases.models import Case, WorkOrder
from linli.core.access import get_visible_or_404_api
from linli.people.auth import session_or_token

router = Router(tags=["cases"])
work_orders_router = Router(tags=["work orders"])


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError(_("The text contains a NUL character."))
    return value


Text = Annotated[str, AfterValidator(_no_nul)]


class Anyone:
    """Authentication that lets anonymous callers through (as AnonymousUser)."""

    def __init__(self) -> None:
        # built once, as Ninja does for the auth a route names (not per request: their set-up
        # is a tenth of an anonymous report's request handling)
        self.methods = session_or_token()

    def __call__(self, request: HttpRequest) -> Any:
        for auth in self.methods:
            user = auth(request)
            if user:
                return user
        if request.META.get("HTTP_AUTHORIZATION"):
            return None  # a token was presented and is wrong: 401, never anonymous
        return True


def fail(exc: CaseError) -> HttpError:
    """A CaseError as the API's error shape (the handler in linli/api.py adds the field)."""
    error = HttpError(exc.status, exc.message)
    error.field = exc.field  # type: ignore[attr-defined]
    return error


def caller(request: HttpRequest) -> Any:
    """The signed-in caller, or None for an anonymous one."""
    user = getattr(request, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


# --- schemas ---------------------------------------------------------------------------------


class RefOut(Schema):
    id: int
    name: str


class CategoryOut(Schema):
    code: str
    name: str


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


# --- helpers ---------------------------------------------------------------------------------


BRIEF_FIELDS = (
    "number", "kind", "status", "tier", "category__code", "category__name_zh", "unit_id",
    "unit__name", "address", "created_at", "due_at", "emergency", "needs_triage",
)  # fmt: skip


def case_brief(case: Case, now: datetime) -> dict[str, Any]:
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


def work_order_out(order: WorkOrder) -> dict[str, Any]:
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


def case_full(case: Case, *, staff: bool) -> dict[str, Any]:
    events = case.events.order_by("at", "id")
    if not staff:
        events = events.filter(public=True)
    data = case_brief(case, timezone.now())
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
            work_order_out(o)
            for o in case.work_orders.select_related("from_unit", "to_unit")
            .prefetch_related("photos")
            .order_by("id")
        ]
        if staff
        else None,
    }
    return data


def visible_case(request: HttpRequest, number: str) -> Case:
    queryset = Case.objects.visible_to(request.user).select_related("category", "unit")
    return get_visible_or_404_api(queryset, number=number)


def locked_case(request: HttpRequest, number: str) -> Case:
    """The case, visible to the caller and locked for the rest of the transaction."""
    visible = visible_case(request, number)
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("category", "unit")
        .get(pk=visible.pk)
    )
