"""Joint mediation sessions (调解) of a case: scheduled by the handling unit with the parties and
the units taking part, and their outcome recorded once."""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Schema, Status

from linli.cases import actions
from linli.cases.actions.common import CaseError
from linli.cases.api.common import RefOut, Text, fail, locked_case, router, visible_case
from linli.cases.models import Mediation
from linli.cases.permissions import require_handler
from linli.people.auth import session_or_token
from linli.people.models import Unit


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
    operation_id="linli_cases_api_schedule_mediation",
)
def schedule_mediation(request: HttpRequest, number: str, payload: MediationIn) -> Status:
    """The handling unit arranges a session with the parties and the units taking part (the
    judicial office, the shared court…), in a place or by video link."""
    try:
        with transaction.atomic():
            case = locked_case(request, number[:40])
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
        raise fail(exc) from None
    return Status(201, _mediation(session))


@router.post(
    "/{number}/mediations/{mediation_id}/outcome",
    response=MediationOut,
    auth=session_or_token(),
    summary="Record a mediation session's agreement or failure",
    operation_id="linli_cases_api_record_mediation_outcome",
)
def record_mediation_outcome(
    request: HttpRequest, number: str, mediation_id: int, payload: OutcomeIn
) -> dict[str, Any]:
    """Once per session: 409 when its outcome is already recorded."""
    try:
        with transaction.atomic():
            case = visible_case(request, number[:40])
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
        raise fail(exc) from None
    return _mediation(session)
