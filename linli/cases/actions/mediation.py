"""Mediation (调解): a joint session of the parties with the street mediator, the judicial office,
the police and the shared court, in a room or by video; then the agreement or why it failed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from linli.cases.actions.common import CaseError, add_event
from linli.cases.models import Case, CaseEvent, Mediation
from linli.core.audit import AuditKind, record
from linli.people.models import Unit


@transaction.atomic
def schedule_mediation(
    case: Case,
    *,
    actor: Any,
    at: datetime,
    parties: str,
    units: list[Unit],
    place: str = "",
    video_link: str = "",
) -> Mediation:
    if case.status not in Case.OPEN_STATUSES:
        raise CaseError(_("Mediation is arranged only for open cases."), status=409)
    if at <= timezone.now():
        raise CaseError(_("The session must lie in the future."), field="at")
    if not parties.strip() or len(parties) > 1000:
        raise CaseError(_("Name the parties (at most 1000 characters)."), field="parties")
    place, video_link = place.strip()[:200], video_link.strip()
    if not place and not video_link:
        raise CaseError(_("Give a place or a video link."), field="place")
    if video_link:
        try:
            URLValidator(schemes=["https", "http"])(video_link)
        except ValidationError:
            raise CaseError(_("Enter a valid link."), field="video_link") from None
    if not units or any(not unit.is_active for unit in units):
        raise CaseError(_("Choose the units taking part."), field="units")
    session = Mediation.objects.create(
        case=case,
        scheduled_at=at,
        place=place,
        video_link=video_link,
        parties=parties.strip(),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    session.units.set(units)
    add_event(
        case,
        CaseEvent.Kind.MEDIATION,
        actor=actor,
        note=_("Mediation on %(time)s at %(place)s with %(units)s.")
        % {
            "time": date_format(timezone.localtime(at), "Y-m-d H:i"),
            "place": place or video_link,
            "units": "、".join(unit.name for unit in units),
        },
    )
    record(AuditKind.MEDIATION_CHANGED, actor=actor, obj=session, after={"outcome": "pending"})
    return session


@transaction.atomic
def record_mediation_outcome(
    session: Mediation, *, actor: Any, agreed: bool, text: str
) -> Mediation:
    if session.outcome != Mediation.Outcome.PENDING:
        raise CaseError(_("The outcome of this session is already recorded."), status=409)
    text = (text or "").strip()
    if not text or len(text) > 4000:
        raise CaseError(
            _("Write the agreement, or why there was none (at most 4000 characters)."),
            field="text",
        )
    session.outcome = Mediation.Outcome.AGREED if agreed else Mediation.Outcome.FAILED
    session.agreement = text
    session.save(update_fields=["outcome", "agreement"])
    add_event(
        session.case,
        CaseEvent.Kind.MEDIATION,
        actor=actor,
        note=f"{session.get_outcome_display()}: {text}",
    )
    record(
        AuditKind.MEDIATION_CHANGED, actor=actor, obj=session, after={"outcome": session.outcome}
    )
    return session
