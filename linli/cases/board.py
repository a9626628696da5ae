"""The command board's figures, computed from the records every time (never typed in)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, F, Q
from django.utils import timezone

from linli.cases.models import Case, Feedback
from linli.core import workdays
from linli.core.deadlines import Lateness, lateness
from linli.core.workdays import CalendarYearMissing

WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class Figures:
    received_today: int
    resolved_today: int
    open_now: int
    overdue_now: int
    warned_now: int
    by_tier: dict[str, int]
    avg_closure_working_days: float | None  # resolved in the last 30 days
    satisfaction_rate: float | None  # share of ratings ≥ 4 in the last 30 days
    ratings: int
    non_police_share: float | None  # of cases received in the last 30 days


def _working_day_length() -> timedelta:
    """Office time in one working day (7 h with the default office hours)."""
    minutes = sum(
        (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
        for start, end in workdays.office_periods()
    )
    return timedelta(minutes=minutes)


def figures(now: datetime) -> Figures:
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    open_cases = Case.objects.filter(status__in=Case.OPEN_STATUSES)
    counts = open_cases.aggregate(
        total=Count("id"),
        overdue=Count("id", filter=Q(due_at__lte=now)),
        warned=Count("id", filter=Q(warn_at__lte=now, due_at__gt=now)),
        community=Count("id", filter=Q(tier="community")),
        street=Count("id", filter=Q(tier="street")),
        district=Count("id", filter=Q(tier="district")),
    )
    since = now - WINDOW
    resolved = list(
        Case.objects.filter(resolved_at__gte=since, resolved_at__lte=now).values_list(
            "created_at", "resolved_at"
        )[:5000]
    )
    day = _working_day_length()
    spans = []
    for created, done in resolved:
        if done is None:
            continue
        try:
            spans.append(workdays.working_time_between(created, done) / day)
        except CalendarYearMissing:
            continue
    ratings = Feedback.objects.filter(created_at__gte=since).aggregate(
        all=Count("id"), good=Count("id", filter=Q(rating__gte=4))
    )
    recent = Case.objects.filter(created_at__gte=since).aggregate(
        all=Count("id"), other=Count("id", filter=Q(police_matter=False))
    )
    return Figures(
        received_today=Case.objects.filter(created_at__gte=today, created_at__lte=now).count(),
        resolved_today=Case.objects.filter(resolved_at__gte=today, resolved_at__lte=now).count(),
        open_now=counts["total"],
        overdue_now=counts["overdue"],
        warned_now=counts["warned"],
        by_tier={t: counts[t] for t in ("community", "street", "district")},
        avg_closure_working_days=round(sum(spans) / len(spans), 2) if spans else None,
        satisfaction_rate=ratings["good"] / ratings["all"] if ratings["all"] else None,
        ratings=ratings["all"],
        non_police_share=recent["other"] / recent["all"] if recent["all"] else None,
    )


LIST_ROWS = 20


@dataclass(frozen=True)
class Row:
    number: str
    category: str
    tier: str
    tier_label: str
    unit: str
    lateness: Lateness
    received_at: datetime


def open_cases_list(user: Any, now: datetime, *, limit: int = LIST_ROWS) -> list[Row]:
    """The open cases ``user`` may see, the most overdue first (those without a deadline last,
    then the newest): the board's live list beside its map."""
    cases = (
        Case.objects.visible_to(user)
        .filter(status__in=Case.OPEN_STATUSES)
        .select_related("category", "unit")
        .only(
            "number",
            "tier",
            "due_at",
            "warn_at",
            "created_at",
            "category__name_zh",
            "unit__name",
        )
        .order_by(F("due_at").asc(nulls_last=True), "-created_at", "-id")[:limit]
    )
    return [
        Row(
            number=c.number,
            category=c.category.name_zh if c.category else "",
            tier=c.tier,
            tier_label=c.get_tier_display(),
            unit=c.unit.name,
            lateness=lateness(c.due_at, c.warn_at, now),
            received_at=c.created_at,
        )
        for c in cases
    ]


def open_cases_geojson(now: datetime, *, limit: int) -> dict[str, Any]:
    cases = (
        Case.objects.filter(status__in=Case.OPEN_STATUSES)
        .select_related("category", "unit")
        .order_by("-created_at")[:limit]
    )
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [c.lon, c.lat]},
                "properties": {
                    "number": c.number,
                    "tier": c.tier,
                    "lateness": lateness(c.due_at, c.warn_at, now),
                    "category": c.category.name_zh if c.category else "",
                    "unit": c.unit.name,
                    "status": c.get_status_display(),
                },
            }
            for c in cases
        ],
    }
