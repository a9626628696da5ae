"""Counts per matter code and period, computed from the bookings themselves."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q

from linli.booking.models import Booking


def counts(first: date, last: date) -> list[dict[str, object]]:
    """Per matter: accepted (booked, not cancelled) and completed, for slots in [first, last]."""
    rows = (
        Booking.objects.filter(slot__date__gte=first, slot__date__lte=last)
        .exclude(status=Booking.Status.CANCELLED)
        .values("matter")
        .annotate(
            accepted=Count("pk"),
            completed=Count("pk", filter=Q(status=Booking.Status.COMPLETED)),
        )
        .order_by("matter")
    )
    return [dict(r) for r in rows]
