"""Resolve a point to its micro-grid and everything above it, from an in-memory index.

The index holds the leaf polygons (micro-grids, or the deepest area where there is none) in a
shapely STRtree, the names of all areas, and for each leaf its police room. It is rebuilt when
the places change: each process checks a cheap version stamp at most once a second.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import shapely
from django.db.models import Count, Max
from shapely import STRtree

from linli.people.duty import officer_on_duty
from linli.people.models import Unit, User
from linli.places.models import CODE_LENGTH, LEVEL_ORDER, Area, Level, PlacesVersion, PoliceRoom

CHECK_SECONDS = 1.0


@dataclass(frozen=True)
class AreaRef:
    code: str
    name: str


@dataclass(frozen=True)
class RoomRef:
    id: int
    name: str
    brand: str
    phone: str
    address: str
    hours: dict[str, Any]
    unit_id: int
    station_unit_id: int


@dataclass(frozen=True)
class Location:
    district: AreaRef | None
    street: AreaRef | None
    community: AreaRef | None
    grid: AreaRef | None
    micro_grid: AreaRef | None
    police_room: RoomRef | None

    @property
    def area_code(self) -> str:
        """The deepest code the point lies in."""
        for ref in (self.micro_grid, self.grid, self.community, self.street, self.district):
            if ref is not None:
                return ref.code
        return ""  # pragma: no cover - a Location always has at least one level

    def levels(self) -> dict[str, AreaRef | None]:
        return {
            Level.DISTRICT: self.district,
            Level.STREET: self.street,
            Level.COMMUNITY: self.community,
            Level.GRID: self.grid,
            Level.MICRO_GRID: self.micro_grid,
        }

    def officer_on_duty(self, at: datetime | None = None) -> User | None:
        if self.police_room is None:
            return None
        return officer_on_duty(Unit(id=self.police_room.unit_id), at)


@dataclass
class _Index:
    stamp: tuple[Any, ...]
    tree: STRtree
    # Leaf code per tree position. Leaves are in code order, so the lowest tree position among
    # several hits is the lowest code: a point on a shared border always gets the same answer.
    leaf_codes: np.ndarray
    names: dict[str, str]
    room_of_leaf: dict[str, RoomRef]


_lock = threading.Lock()
_index: _Index | None = None
_checked_at = 0.0


def _stamp() -> tuple[Any, ...]:
    areas = Area.objects.aggregate(n=Count("id"), t=Max("updated_at"))
    version = PlacesVersion.objects.filter(pk=1).values_list("value", flat=True).first()
    return (areas["n"], areas["t"], version)


def _rooms_by_leaf(code_of: dict[int, str]) -> dict[str, RoomRef]:
    """For each micro-grid code, the room serving it (the lowest room id where several do).
    ``code_of`` maps area ids to codes (the areas are already loaded), so the links are read
    alone and the rooms with their stations in a second small query: no join over the areas,
    whose plan a stale row estimate can turn into a scan per link."""
    rooms = {room.pk: room for room in PoliceRoom.objects.select_related("station")}
    links = PoliceRoom.micro_grids.through.objects.values_list("area_id", "policeroom_id")
    by_leaf: dict[str, RoomRef] = {}
    for area_id, room_id in sorted(links, key=lambda link: (code_of[link[0]], link[1])):
        room = rooms[room_id]
        by_leaf.setdefault(
            code_of[area_id],
            RoomRef(
                room.id,
                room.name,
                room.brand,
                room.phone,
                room.address,
                room.hours,
                room.unit_id,
                room.station.unit_id,
            ),
        )
    return by_leaf


def _build(stamp: tuple[Any, ...]) -> _Index:
    rows = list(Area.objects.order_by("code").values_list("id", "code", "name", "geometry"))
    names = {code: name for _id, code, name, _geometry in rows}
    codes_with_children = {
        code[:-3] for _id, code, _n, _g in rows if len(code) > CODE_LENGTH[Level.DISTRICT]
    }
    leaves = [
        (code, geometry)
        for _id, code, _n, geometry in rows
        if geometry and code not in codes_with_children
    ]
    geometries = [shapely.from_geojson(json.dumps(geometry)) for _code, geometry in leaves]
    rooms = _rooms_by_leaf({area_id: code for area_id, code, _n, _g in rows})
    return _Index(
        stamp=stamp,
        tree=STRtree(geometries),
        leaf_codes=np.array([code for code, _g in leaves], dtype=object),
        names=names,
        room_of_leaf=rooms,
    )


def reset() -> None:
    """Forget the index in this process (tests; after a bulk load outside the actions)."""
    global _index, _checked_at
    with _lock:
        _index, _checked_at = None, 0.0


def index(*, force: bool = False) -> _Index:
    """The current index, rebuilt when the places changed (checked at most once a second)."""
    global _index, _checked_at
    now = time.monotonic()
    if _index is not None and not force and now - _checked_at < CHECK_SECONDS:
        return _index
    with _lock:
        stamp = _stamp()
        _checked_at = time.monotonic()
        if _index is None or force or _index.stamp != stamp:
            _index = _build(stamp)
        return _index


def _location(idx: _Index, leaf: str) -> Location:
    refs: dict[str, AreaRef | None] = dict.fromkeys(LEVEL_ORDER)
    for level in LEVEL_ORDER:
        code = leaf[: CODE_LENGTH[level]]
        if len(code) == CODE_LENGTH[level] and code in idx.names:
            refs[level] = AreaRef(code, idx.names[code])
    room = idx.room_of_leaf.get(leaf)
    return Location(
        district=refs[Level.DISTRICT],
        street=refs[Level.STREET],
        community=refs[Level.COMMUNITY],
        grid=refs[Level.GRID],
        micro_grid=refs[Level.MICRO_GRID],
        police_room=room,
    )


def _leaf_at(idx: _Index, lon: float, lat: float) -> str | None:
    hits = idx.tree.query(shapely.Point(lon, lat), predicate="intersects")
    if len(hits) == 0:
        return None
    return str(idx.leaf_codes[hits.min()])


def locate(lon: float, lat: float) -> Location | None:
    """The areas and police room at a point (WGS 84), or None outside every area."""
    idx = index()
    leaf = _leaf_at(idx, lon, lat)
    return None if leaf is None else _location(idx, leaf)


def locate_many(lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """Leaf codes for many points at once (None where outside), vectorised."""
    idx = index()
    points = shapely.points(lons, lats)
    point_idx, tree_idx = idx.tree.query(points, predicate="intersects")
    result = np.full(len(points), None, dtype=object)
    # Highest tree position first per point, so the lowest (written last) wins on a border.
    order = np.lexsort((-tree_idx, point_idx))
    result[point_idx[order]] = idx.leaf_codes[tree_idx[order]]
    return result


def place_of_address(text: str) -> tuple[float, float] | None:
    """A point for an address given only as text (Open311's ``address_string``): inside the
    most specific community, grid or micro-grid whose name the text contains (the longest name
    wins, then the deeper area), or None when it names none. Streets and the district are too
    coarse to route a case: a point there would pick a police room by accident.

    The point lies in the area's leaf nearest to the middle of its leaves, on that leaf's surface,
    so ``locate`` of the point answers the named area."""
    idx = index()
    finest = CODE_LENGTH[Level.COMMUNITY]
    named = [
        code for code, name in idx.names.items() if len(code) >= finest and name and name in text
    ]
    if not named:
        return None
    code = max(named, key=lambda c: (len(idx.names[c]), len(c)))
    positions = [i for i, leaf in enumerate(idx.leaf_codes) if leaf.startswith(code)]
    if not positions:
        return None
    leaves = idx.tree.geometries.take(positions)
    centres = shapely.get_coordinates(shapely.centroid(leaves))
    middle = centres.mean(axis=0)
    nearest = int(np.argmin(((centres - middle) ** 2).sum(axis=1)))
    point = shapely.point_on_surface(leaves[nearest])
    return float(point.x), float(point.y)
