"""Handling a case: merging a duplicate, choosing the category of a case waiting for human
triage, and every status transition (accept, start, resolve, close, reject, suspend, resume,
escalate, reopen). Imported last (see ``__init__``): its ``/{number}/{action}`` would shadow any
``/{number}/…`` route added after it.
"""

from typing import Any, Literal

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Schema

from linli.cases import actions
from linli.cases.actions import handling
from linli.cases.actions.common import CaseError
from linli.cases.api.common import (
    CaseOut,
    Text,
    case_full,
    fail,
    locked_case,
    router,
    visible_case,
)
from linli.cases.models import Case
from linli.cases.permissions import require_handler
from linli.people.auth import session_or_token


class ActionIn(Schema):
    note: Text = Field("", max_length=2000)
    reason: Text = Field("", max_length=2000)
    result: Text = Field("", max_length=2000)


class TriageCaseIn(Schema):
    category: Text = Field(..., min_length=1, max_length=64, description="a category code")
    note: Text = Field("", max_length=2000)


class MergeIn(Schema):
    into: str = Field(..., min_length=1, max_length=40, description="number of the open case")


TRANSITIONS = handling.TRANSITIONS


@router.post(
    "/{number}/merge",
    response=CaseOut,
    auth=session_or_token(),
    summary="Merge a duplicate",
    operation_id="linli_cases_api_merge_case",
)
def merge_case(request: HttpRequest, number: str, payload: MergeIn) -> dict[str, Any]:
    """This case reports what an open case already covers: it becomes a duplicate of ``into``
    (which the caller must be able to see) and its reporter is pointed there."""
    try:
        with transaction.atomic():
            visible = visible_case(request, number[:40])
            require_handler(request.user, visible)
            into = Case.objects.visible_to(request.user).filter(number=payload.into).first()
            if into is None:
                raise CaseError(_("There is no open case with this number."), field="into")
            actions.merge_into(visible, into, actor=request.user)
    except CaseError as exc:
        raise fail(exc) from None
    return case_full(visible_case(request, number), staff=True)


@router.post(
    "/{number}/triage",
    response=CaseOut,
    auth=session_or_token(),
    summary="Choose the category of a case waiting for human triage",
    operation_id="linli_cases_api_choose_category",
)
def choose_category(request: HttpRequest, number: str, payload: TriageCaseIn) -> dict[str, Any]:
    """The handling unit sets the category; the case is routed again at its tier and its
    deadline counted again from its receipt. 409 when it is not waiting for triage."""
    try:
        with transaction.atomic():
            case = locked_case(request, number[:40])
            actions.triage_case(
                case, actor=request.user, category=payload.category, note=payload.note
            )
    except CaseError as exc:
        raise fail(exc) from None
    return case_full(case, staff=True)


@router.post(
    "/{number}/{action}",
    response=CaseOut,
    auth=session_or_token(),
    summary="accept | start | resolve | close | reject | suspend | resume | escalate | reopen",
    operation_id="linli_cases_api_change_case",
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
            case = locked_case(request, number[:40])
            require_handler(request.user, case)
            function(case, actor=request.user, **{argument: getattr(payload, argument)})
    except CaseError as exc:
        raise fail(exc) from None
    return case_full(visible_case(request, number), staff=True)
