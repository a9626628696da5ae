"""Work orders (派单): the handling unit sends one from a case; the unit it was sent to accepts,
returns, transfers or completes it (回单, with up to 3 photos) at /api/v1/work-orders/."""

import json
from datetime import datetime
from typing import Any, Literal

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Schema, Status
from ninja.errors import HttpError, ValidationError
from pydantic import ValidationError as PydanticError

from linli.cases import actions
from linli.cases.actions.common import CaseError
from linli.cases.api.common import (
    Text,
    WorkOrderOut,
    fail,
    locked_case,
    router,
    work_order_out,
    work_orders_router,
)
from linli.cases.models import Case, WorkOrder
from linli.cases.permissions import require_handler, require_recipient
from linli.people.auth import session_or_token
from linli.people.models import Unit


class WorkOrderIn(Schema):
    to_unit: int = Field(..., ge=1, le=2**31 - 1)
    instruction: Text = Field(..., max_length=2000)
    due_at: datetime | None = None


class WorkOrderActionIn(Schema):
    reason: Text = Field("", max_length=2000)
    to_unit: int | None = Field(None, ge=1, le=2**31 - 1)


class CompleteIn(Schema):
    result: Text = Field("", max_length=2000)


@router.post(
    "/{number}/work-orders",
    response={201: WorkOrderOut},
    auth=session_or_token(),
    summary="Send a work order to another unit",
    operation_id="linli_cases_api_create_work_order",
)
def create_work_order(request: HttpRequest, number: str, payload: WorkOrderIn) -> Status:
    try:
        with transaction.atomic():
            case = locked_case(request, number[:40])
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
        raise fail(exc) from None
    return Status(201, work_order_out(order))


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
    return work_order_out(fresh.get(pk=order.pk))


@work_orders_router.post(
    "/{order_id}/complete",
    response=WorkOrderOut,
    auth=session_or_token(),
    summary="Complete: the result, with up to 3 photos (multipart field `photos`)",
    openapi_extra=_COMPLETE_BODY,
    operation_id="linli_cases_api_complete_work_order",
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
        raise fail(exc) from None
    return _order_out(order)


@work_orders_router.post(
    "/{order_id}/{action}",
    response=WorkOrderOut,
    auth=session_or_token(),
    summary="accept | return | transfer",
    operation_id="linli_cases_api_change_work_order",
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
        raise fail(exc) from None
    return _order_out(order)
