"""Every change to the places: GeoJSON import, area edits, police-room micro-grids.

Each action runs in one transaction, writes its audit event and bumps ``PlacesVersion`` so that
every process's ``locate`` index rebuilds within a second.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import shapely
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from linli.core.audit import AuditKind, record
from linli.places.models import CODE_LENGTH, LEVEL_OF_LENGTH, Area, Level, PlacesVersion, PoliceRoom


class ImportRejected(Exception):
    """The file has errors; nothing was saved. ``errors`` lists them per feature."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self.errors = errors
        super().__init__(
            _("%(n)d feature(s) have errors; nothing was imported.") % {"n": len(errors)}
        )


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)


def bump_version() -> None:
    changed = PlacesVersion.objects.filter(pk=1).update(value=F("value") + 1)
    if not changed:
        PlacesVersion.objects.get_or_create(pk=1, defaults={"value": 1})


def check_geometry(geometry: Any) -> tuple[dict[str, Any] | None, str | None]:
    if not isinstance(geometry, dict) or geometry.get("type") not in {"Polygon", "MultiPolygon"}:
        return None, _("The geometry must be a Polygon or MultiPolygon.")
    try:
        shape = shapely.from_geojson(json.dumps(geometry))
    except Exception:  # shapely raises GEOSException or ValueError on malformed input
        return None, _("The geometry cannot be read.")
    minx, miny, maxx, maxy = shape.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90) or any(
        math.isnan(v) for v in shape.bounds
    ):
        return None, _("Coordinates must be longitude/latitude in degrees (WGS 84).")
    if not shape.is_valid:
        return None, _("The polygon is not valid: %(reason)s") % {
            "reason": shapely.is_valid_reason(shape)
        }
    return geometry, None


def _check_feature(feature: Any, known_codes: set[str]) -> tuple[dict[str, Any] | None, list[str]]:
    problems: list[str] = []
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return None, [_("Not a GeoJSON Feature.")]
    props = feature.get("properties") or {}
    code = str(props.get("code", "")).strip()
    name = str(props.get("name", "")).strip()
    level = props.get("level") or LEVEL_OF_LENGTH.get(len(code))
    if not code.isdigit() or len(code) not in LEVEL_OF_LENGTH:
        problems.append(_("The code must be 6, 9, 12, 15 or 18 digits."))
    elif level != LEVEL_OF_LENGTH[len(code)]:
        problems.append(_("The level does not match the length of the code."))
    elif len(code) > CODE_LENGTH[Level.DISTRICT] and code[:-3] not in known_codes:
        problems.append(_("The parent area %(code)s does not exist.") % {"code": code[:-3]})
    if not name or len(name) > 100:
        problems.append(_("A name of 1 to 100 characters is required."))
    geometry, geometry_problem = check_geometry(feature.get("geometry"))
    if geometry_problem:
        problems.append(geometry_problem)
    if problems:
        return None, problems
    return {"code": code, "name": name, "level": level, "geometry": geometry}, []


def _centroid(geometry: dict[str, Any]) -> tuple[float, float]:
    point = shapely.from_geojson(json.dumps(geometry)).representative_point()
    return round(point.x, 6), round(point.y, 6)


@transaction.atomic
def import_areas(collection: Any, *, actor: Any) -> ImportReport:
    """Create or update areas from a FeatureCollection; all or nothing."""
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise ImportRejected([{"feature": None, "errors": [_("Not a GeoJSON FeatureCollection.")]}])
    features = collection.get("features") or []
    in_file = {
        str((f.get("properties") or {}).get("code", "")) for f in features if isinstance(f, dict)
    }
    known = set(Area.objects.values_list("code", flat=True)) | in_file
    rows, errors = [], []
    for position, feature in enumerate(features):
        row, problems = _check_feature(feature, known)
        if problems:
            errors.append(
                {
                    "feature": position,
                    "code": (feature.get("properties") or {}).get("code")
                    if isinstance(feature, dict)
                    else None,
                    "errors": problems,
                }
            )
        elif row:
            rows.append(row)
    if errors:
        raise ImportRejected(errors)
    report = ImportReport()
    for row in sorted(rows, key=lambda r: len(r["code"])):
        lon, lat = _centroid(row["geometry"])
        parent = (
            Area.objects.filter(code=row["code"][:-3]).first() if len(row["code"]) > 6 else None
        )
        _area, created = Area.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "level": row["level"],
                "parent": parent,
                "geometry": row["geometry"],
                "centroid_lon": lon,
                "centroid_lat": lat,
            },
        )
        (report.created if created else report.updated).append(row["code"])
    bump_version()
    record(
        AuditKind.AREA_IMPORTED,
        actor=actor,
        after={"created": len(report.created), "updated": len(report.updated)},
    )
    return report


def export_areas(*, level: str | None = None, within: str | None = None) -> dict[str, Any]:
    areas = Area.objects.all()
    if level:
        areas = areas.filter(level=level)
    if within:
        areas = areas.within(within)
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": a.code, "name": a.name, "level": a.level},
                "geometry": a.geometry,
            }
            for a in areas.order_by("code")
        ],
    }


@transaction.atomic
def update_area(area: Area, *, actor: Any, before: dict[str, Any], changed: list[str]) -> Area:
    """Save edits to an area's name or boundary (``before`` holds the old values)."""
    if "geometry" in changed:
        geometry, problem = check_geometry(area.geometry)
        if geometry is None:
            raise ValueError(problem)
        area.centroid_lon, area.centroid_lat = _centroid(geometry)
        changed = [*changed, "centroid_lon", "centroid_lat"]
    area.save(update_fields=[*changed, "updated_at"])
    bump_version()
    record(
        AuditKind.AREA_CHANGED,
        actor=actor,
        obj=area,
        before={k: before.get(k) for k in changed if k in before},
        after={k: getattr(area, k) for k in changed if k in before},
    )
    return area


def rename_area(area: Area, name: str, *, actor: Any) -> Area:
    before = {"name": area.name}
    area.name = name
    return update_area(area, actor=actor, before=before, changed=["name"])


@transaction.atomic
def set_room_micro_grids(room: PoliceRoom, codes: list[str], *, actor: Any) -> PoliceRoom:
    grids = list(Area.objects.filter(code__in=codes, level=Level.MICRO_GRID))
    missing = sorted(set(codes) - {g.code for g in grids})
    if missing:
        raise ValueError(_("Unknown micro-grids: %(codes)s") % {"codes": ", ".join(missing)})
    before = sorted(room.micro_grids.values_list("code", flat=True))
    room.micro_grids.set(grids)
    bump_version()
    record(
        AuditKind.POLICE_ROOM_CHANGED,
        actor=actor,
        obj=room,
        before={"micro_grids": before},
        after={"micro_grids": sorted(codes)},
    )
    return room
