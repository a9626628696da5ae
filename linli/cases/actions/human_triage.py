"""The human triage queue: a person chooses the category of a case triage was unsure about.

Intake marks a case ``needs_triage`` when the classifier's confidence is below
``LINLI_TRIAGE_MIN_CONFIDENCE``; it is routed on the classifier's best guess meanwhile. Staff of
the handling unit then choose the category; the case is routed again at its tier and its deadline
is counted again, from when it was received, with the chosen category's working days.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from linli.cases import notify, routing
from linli.cases.actions.common import CaseError, add_event, save_changed
from linli.cases.actions.handling import case_place
from linli.cases.actions.intake import set_deadline
from linli.cases.models import Case, CaseEvent
from linli.cases.routing import RoutingError, route
from linli.core.audit import AuditKind, record

MAX_NOTE = 2000

# What a triage changes on the case (besides the version).
TRIAGE_FIELDS = [
    "category",
    "unit",
    "police_matter",
    "emergency",
    "needs_triage",
    "due_at",
    "warn_at",
    "warned_at",
]


def _note(note: str) -> str:
    text = (note or "").strip()
    if len(text) > MAX_NOTE:
        raise CaseError(_("At most %(n)d characters.") % {"n": MAX_NOTE}, field="note")
    return text


@transaction.atomic
def triage_case(case: Case, *, actor: Any, category: str, note: str = "") -> Case:
    """Set the category a person chose for a case waiting in the triage queue, route it again
    (same tier) and count its deadline again from its receipt. The caller holds the row lock."""
    # Imported here: the permissions module imports this package for CaseError.
    from linli.cases.permissions import require_handler

    require_handler(actor, case)
    chosen = routing.category((category or "").strip())
    if chosen is None:
        raise CaseError(_("There is no such category."), field="category")
    note = _note(note)
    if not case.needs_triage:
        raise CaseError(_("This case is not waiting for triage."), status=409)
    if case.status not in Case.OPEN_STATUSES:
        raise CaseError(_("Only an open case can be triaged."), status=409)
    try:
        unit = route(chosen, case_place(case), case.tier)
    except RoutingError as exc:
        raise CaseError(str(exc), field="category", status=422) from exc
    before = {"category": case.category.code if case.category else None, "unit": case.unit_id}
    newly_emergency = chosen.urgent and not case.emergency
    moved = unit.pk != case.unit_id
    case.category, case.unit = chosen, unit
    case.police_matter = chosen.police_matter
    case.emergency = case.emergency or chosen.urgent
    case.needs_triage = False
    set_deadline(case, case.created_at)
    save_changed(case, TRIAGE_FIELDS)
    text = _("Category set to %(category)s; handled by %(unit)s.") % {
        "category": chosen.name_zh,
        "unit": unit.name,
    }
    add_event(
        case,
        CaseEvent.Kind.TRIAGED,
        actor=actor,
        public=False,
        note=f"{text} {note}".strip(),
    )
    record(
        AuditKind.CASE_TRIAGED,
        actor=actor,
        obj=case,
        before=before,
        after={"category": chosen.code, "unit": unit.pk},
        note=note[:500],
    )
    if moved:
        notify.queue(case, notify.Event.ASSIGNED)
    if newly_emergency:
        notify.queue(case, notify.Event.EMERGENCY)
    return case
