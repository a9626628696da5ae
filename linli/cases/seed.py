"""Keep the Category table in step with the shipped catalogue (data/categories.json).

Adds categories that are missing and never overwrites one an administrator has edited, so a
local change survives an upgrade. Used by a data migration and by `linli manage load_categories`.
"""

from __future__ import annotations

from typing import Any

from linli.cases.triage.catalogue import Catalogue, load


def category_fields(entry: Any) -> dict[str, Any]:
    return {
        "name_zh": entry.name_zh,
        "name_en": entry.name_en,
        "police_matter": entry.police_matter,
        "urgent": entry.urgent,
        "private": entry.private,
        "unit_kind": entry.unit_kind,
        "department": entry.department or "",
        "deadline_community": entry.deadlines["community"],
        "deadline_street": entry.deadlines["street"],
        "deadline_district": entry.deadlines["district"],
        "open311_code": entry.open311_code,
        "keywords": list(entry.keywords),
        "emergency_numbers": list(entry.emergency_numbers),
    }


def sync_categories(category_model: Any, catalogue: Catalogue | None = None) -> int:
    """Create the catalogue's categories that the table lacks; returns how many were added."""
    catalogue = catalogue or load()
    # A data migration passes its historical model: give it only the fields it has.
    known = {f.name for f in category_model._meta.get_fields()}
    existing = set(category_model.objects.values_list("code", flat=True))
    added = 0
    for entry in sorted(catalogue, key=lambda c: (c.code.count("."), c.code)):
        if entry.code in existing:
            continue
        parent = None if entry.is_top else category_model.objects.get(code=entry.top)
        fields = {k: v for k, v in category_fields(entry).items() if k in known}
        category_model.objects.create(code=entry.code, parent=parent, **fields)
        added += 1
    return added
