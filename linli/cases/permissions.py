"""Who may do what to a case, beyond seeing it (``Case.objects.visible_to``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from linli.cases.actions.common import CaseError
from linli.cases.models import AREA_ROLES, Case, WorkOrder, staff_units
from linli.core.access import scope_prefixes
from linli.people.models import Unit


def may_handle(user: Any, case: Case) -> bool:
    """The handling unit (or a unit above it), the street leader owning the case, street or
    district staff of its area, administrators and commanders."""
    if not getattr(user, "is_authenticated", False):
        return False
    if scope_prefixes(user) is None:
        return True
    if case.owner_id == user.pk:
        return True
    units = set(staff_units(user))
    unit: Unit | None = case.unit
    while unit is not None:
        if unit.pk in units:
            return True
        unit = unit.parent
    areas = user.memberships.filter(is_active=True, role__in=AREA_ROLES).values_list(
        "unit__area_code", flat=True
    )
    return any(case.area_code.startswith(prefix) for prefix in areas)


def require_handler(user: Any, case: Case) -> None:
    if not may_handle(user, case):
        raise CaseError(_("Only the unit handling this case can do that."), status=403)


def require_recipient(user: Any, order: WorkOrder) -> None:
    """Only members of the unit a work order was sent to act on it."""
    if scope_prefixes(user) is None or order.to_unit_id in staff_units(user):
        return
    raise CaseError(_("Only the unit this work order was sent to can do that."), status=403)
