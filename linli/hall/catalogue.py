"""The shipped catalogue (data/matters.json) and the checks every way in shares.

A data migration creates the shipped matters a database lacks; it never overwrites a matter an
administrator has edited, so a local change survives an upgrade. The admin, the xlsx import and
the migration all build ``Matter`` rows through ``Matter.full_clean``: one set of rules.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from linli.hall.models import Domain

DATA = Path(__file__).parent / "data" / "matters.json"

MATTER_FIELDS = [
    "code",
    "name_zh",
    "name_en",
    "domain",
    "kind",
    "level",
    "agency",
    "conditions",
    "legal_basis",
    "fee_fen",
    "fee_note",
    "promised_days",
    "statutory_days",
    "channels",
    "trips",
    "delegated_to_police_rooms",
    "is_active",
    "position",
    "form",
]
MATERIAL_FIELDS = ["name", "required", "certificate_type", "note"]


@cache
def shipped() -> tuple[dict[str, Any], ...]:
    """The catalogue as shipped, domain by domain in the order of ``Domain``; ``position`` is
    the place in that order and the order of every list."""
    entries = json.loads(DATA.read_text(encoding="utf-8"))
    domains = [str(value) for value in Domain.values]
    entries.sort(key=lambda entry: domains.index(entry["domain"]))  # stable: file order within
    return tuple({**entry, "position": number} for number, entry in enumerate(entries, start=1))


def sync_matters(matter_model: Any, material_model: Any) -> int:
    """Create the shipped matters the table lacks; returns how many were added."""
    known = {f.name for f in matter_model._meta.get_fields()}
    existing = set(matter_model.objects.values_list("code", flat=True))
    added = 0
    for entry in shipped():
        if entry["code"] in existing:
            continue
        fields = {k: v for k, v in entry.items() if k in known and k != "materials"}
        matter = matter_model.objects.create(**fields)
        material_model.objects.bulk_create(
            material_model(
                matter=matter,
                position=number,
                **{k: v for k, v in material.items() if k in MATERIAL_FIELDS},
            )
            for number, material in enumerate(entry["materials"], start=1)
        )
        added += 1
    return added
