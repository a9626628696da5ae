"""Every change to the catalogue: an administrator's edit and a whole-catalogue import. Each
writes its audit event in the same transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from linli.core.audit import AuditKind, record
from linli.hall.catalogue import MATERIAL_FIELDS, MATTER_FIELDS
from linli.hall.models import Material, Matter


def snapshot(matter: Matter) -> dict[str, Any]:
    """What an audit event keeps of a matter: its fields and its materials."""
    data: dict[str, Any] = {name: getattr(matter, name) for name in MATTER_FIELDS}
    if matter.pk:
        data["materials"] = [
            {name: getattr(m, name) for name in MATERIAL_FIELDS} for m in matter.materials.all()
        ]
    return data


def matter_changed(matter: Matter, *, actor: Any, before: dict[str, Any] | None) -> None:
    """Record an edit made in the admin (the admin saves the rows itself)."""
    after = snapshot(matter)
    changed = {k: v for k, v in after.items() if before is None or before.get(k) != v}
    record(
        AuditKind.MATTER_CHANGED,
        actor=actor,
        obj=matter,
        before={k: before[k] for k in changed if before and k in before},
        after=changed,
        note="created" if before is None else "changed",
    )


@transaction.atomic
def replace_catalogue(
    rows: list[tuple[Matter, list[Material]]], *, actor: Any, source: str
) -> tuple[int, int]:
    """Write checked matters with their materials; returns (created, updated).

    Matters the rows do not name stay as they are: bookings refer to codes, so a matter is
    retired by marking it inactive, never by leaving it out of a file."""
    created = updated = 0
    for matter, materials in rows:
        is_new = matter.pk is None
        matter.save()
        Material.objects.filter(matter=matter).delete()
        for material in materials:
            material.matter = matter
        Material.objects.bulk_create(materials)
        created += is_new
        updated += not is_new
    record(
        AuditKind.MATTER_CATALOGUE_IMPORTED,
        actor=actor,
        after={"created": created, "updated": updated, "source": source[:200]},
        note=f"matter catalogue imported: {created} created, {updated} updated",
    )
    return created, updated


@transaction.atomic
def load_shipped_matters(*, actor: Any) -> int:
    """Create the shipped matters a database lacks (after an upgrade that ships new ones);
    never touches a matter that exists. Returns how many were added."""
    from linli.hall.catalogue import sync_matters

    added = sync_matters(Matter, Material)
    if added:
        record(
            AuditKind.MATTER_CATALOGUE_IMPORTED,
            actor=actor,
            after={"created": added, "updated": 0, "source": "shipped catalogue"},
            note=f"shipped matters loaded: {added} created",
        )
    return added
