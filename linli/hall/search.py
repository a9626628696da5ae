"""One search of the catalogue for the page and the API.

A search is one query that returns the brief columns of one page of matches (``values()``, no
model instances, no JSON form decoded) with the number of all matches as a window count: one
round trip instead of a COUNT plus a page. The catalogue is small (about 150 matters, 500
materials), and a scan of 150 rows costs less than using any index would: substring search
over Chinese text needs no trigram index at this size (measured in bench/hall.py; revisit
beyond a few thousand matters).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Window
from django.urls import reverse
from django.utils.translation import gettext, ngettext

from linli.hall.models import Domain, Kind, Matter, yuan

BRIEF_FIELDS = (
    "code",
    "name_zh",
    "name_en",
    "domain",
    "kind",
    "fee_fen",
    "promised_days",
    "trips",
    "channels",
    "delegated_to_police_rooms",
)
PAGE_SIZE = 20


def find(
    q: str = "", domain: str = "", kind: str = "", delegated: bool | None = None, page: int = 1
) -> tuple[list[dict[str, Any]], int]:
    """One page of brief rows of the active matters that match, in catalogue order, and how
    many match in all (a window count in the same query; a second query only for a page past
    the end)."""
    matters = Matter.objects.active().search(q)
    if domain:
        matters = matters.filter(domain=domain)
    if kind:
        matters = matters.filter(kind=kind)
    if delegated is not None:
        matters = matters.filter(delegated_to_police_rooms=delegated)
    start = (page - 1) * PAGE_SIZE
    rows = list(
        matters.order_by("position", "code")
        .annotate(total=Window(Count("id")))
        .values(*BRIEF_FIELDS, "total")[start : start + PAGE_SIZE]
    )
    count = rows[0]["total"] if rows else (matters.count() if start else 0)
    return [{k: v for k, v in row.items() if k != "total"} for row in rows], count


def labelled(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Brief rows with what the catalogue page shows of each matter, in the active language: its
    labels, its address, and its trips, fee and time limit in words.

    Worded here rather than with ``{% url %}``, ``{% if %}`` and ``{% blocktranslate count %}`` in
    the page's loop: those tags cost about 60 µs a row, more than the whole search query
    (bench/hall.py). The messages are the page's own, so the translations are unchanged."""
    domains = {value: str(label) for value, label in Domain.choices}
    kinds = {value: str(label) for value, label in Kind.choices}
    # One reverse() a page, not one a row (about 20 µs each): a matter code (CODE_PATTERN, which
    # the admin, the import and the migration check) has no "-" and needs no quoting in a path.
    before_code, after_code = reverse("hall:matter", args=["-"]).rsplit("-", 1)
    return [
        {
            **row,
            "domain_label": domains[row["domain"]],
            "kind_label": kinds[row["kind"]],
            "fee_yuan": yuan(row["fee_fen"]),
            "url": before_code + row["code"] + after_code,
            "trips_text": _trips_text(row["trips"]),
            "fee_text": _fee_text(row["fee_fen"]),
            "time_text": _time_text(row["promised_days"]),
        }
        for row in rows
    ]


def _trips_text(trips: int) -> str:
    return gettext("no trip needed") if trips == 0 else gettext("at most one trip")


def _fee_text(fee_fen: int) -> str:
    return gettext("%(yuan)s yuan") % {"yuan": yuan(fee_fen)} if fee_fen else gettext("free")


def _time_text(days: int) -> str:
    if not days:
        return gettext("done on the spot")
    return ngettext("%(days)s working day", "%(days)s working days", days) % {"days": days}
