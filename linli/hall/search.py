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


def labelled(row: dict[str, Any]) -> dict[str, Any]:
    """A brief row with the labels a page shows (in the active language)."""
    return {
        **row,
        "domain_label": str(Domain(row["domain"]).label),
        "kind_label": str(Kind(row["kind"]).label),
        "fee_yuan": yuan(row["fee_fen"]),
    }
