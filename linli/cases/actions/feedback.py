"""The resident's word on the result: confirm and rate 1–5 (the case closes), or reopen it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from linli.cases.actions.common import CaseError, add_event
from linli.cases.actions.handling import close_case, reopen_case
from linli.cases.models import Case, CaseEvent, Feedback
from linli.core import crypto
from linli.core.audit import AuditKind, record

MAX_COMMENT = 1000


def case_by_follow_up_code(number: str, code: str) -> Case | None:
    """The anonymous reporter's way back to their case: its number and the code shown once."""
    code = (code or "").strip().upper()
    if not code or len(code) > 32:
        return None
    return Case.objects.filter(
        number=number, follow_up_digest=crypto.blind_index(code, purpose="follow_up")
    ).first()


@transaction.atomic
def give_feedback(
    case: Case,
    *,
    actor: Any,
    rating: int,
    comment: str = "",
    reopen: bool = False,
    now: datetime | None = None,
) -> Feedback:
    if case.status != Case.Status.RESOLVED:
        raise CaseError(_("Only a resolved case can be rated."), status=409)
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        raise CaseError(_("Rate from 1 to 5."), field="rating")
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise CaseError(_("At most %(n)d characters.") % {"n": MAX_COMMENT}, field="comment")
    if reopen and not comment:
        raise CaseError(_("Say what is still wrong."), field="comment")
    feedback = Feedback.objects.create(case=case, rating=rating, comment=comment, reopened=reopen)
    add_event(
        case,
        CaseEvent.Kind.FEEDBACK,
        actor=actor,
        at=now,
        note=_("Rated %(rating)d of 5.") % {"rating": rating} + (f" {comment}" if comment else ""),
    )
    record(AuditKind.FEEDBACK_GIVEN, actor=actor, obj=case, after={"rating": rating})
    if reopen:
        reopen_case(case, actor=actor, reason=comment)
    else:
        close_case(case, actor=actor, note=_("Confirmed by the resident."), now=now)
    return feedback
