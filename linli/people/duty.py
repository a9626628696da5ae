"""Who is on duty in a unit (police room) at a given moment."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone

from linli.people.models import Shift, Unit, User


def officers_on_duty(unit_ids: Iterable[int], at: datetime | None = None) -> dict[int, User]:
    """For each unit, the primary officer of the shift covering ``at``, else the backup.

    One query whatever the number of units, so lists of rooms keep a fixed query count.
    """
    moment = at or timezone.now()
    shifts = Shift.objects.filter(
        unit_id__in=list(unit_ids), starts_at__lte=moment, ends_at__gt=moment
    ).select_related("officer")
    found: dict[int, User] = {}
    for shift in sorted(shifts, key=lambda s: s.post != Shift.Post.PRIMARY):
        found.setdefault(shift.unit_id, shift.officer)
    return found


def officer_on_duty(unit: Unit, at: datetime | None = None) -> User | None:
    """The primary officer of the shift covering ``at``; else the backup; else nobody."""
    return officers_on_duty([unit.pk], at).get(unit.pk)
