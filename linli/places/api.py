"""Places API, mounted at /api/v1/places/. Public: it holds no personal data beyond masked names.

Contract relied on by later issues and outside clients (see docs/api.md).
"""

import json
import math
from typing import Any

import shapely
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from linli.people.duty import officers_on_duty
from linli.places import hours as opening_hours
from linli.places.locate import AreaRef, Location, locate
from linli.places.models import Area, Level, PoliceRoom

router = Router(tags=["places"])


class Point(Schema):
    lon: float = Field(..., ge=-180, le=180, description="longitude, WGS 84 degrees")
    lat: float = Field(..., ge=-90, le=90, description="latitude, WGS 84 degrees")


class AreaRefOut(Schema):
    code: str
    name: str


class RoomBriefOut(Schema):
    id: int
    name: str
    brand: str
    phone: str
    address: str
    hours: str
    open_now: bool


class OfficerOut(Schema):
    name: str
    phone: str


class LocateOut(Schema):
    district: AreaRefOut | None
    street: AreaRefOut | None
    community: AreaRefOut | None
    grid: AreaRefOut | None
    micro_grid: AreaRefOut | None
    police_room: RoomBriefOut | None
    officer_on_duty: OfficerOut | None


class Message(Schema):
    message: str


class AreaOut(Schema):
    code: str
    name: str
    level: str
    parent: str | None
    centroid: list[float] | None


class AreaFilter(Schema):
    level: Level | None = None
    within: str | None = Field(None, pattern=r"^\d{1,18}$")


class GeoJsonFilter(AreaFilter):
    simplify: float | None = Field(
        None, ge=0, le=0.01, description="Douglas–Peucker tolerance in degrees"
    )


class RoomOut(Schema):
    id: int
    name: str
    brand: str
    theme: str
    address: str
    lon: float
    lat: float
    phone: str
    hours: str
    hours_json: dict[str, Any]
    open_now: bool
    station: str
    officer_on_duty: str | None


class NearRoomOut(RoomOut):
    distance_m: int


class NearestOut(Schema):
    items: list[NearRoomOut]


def _ref(ref: AreaRef | None) -> dict[str, str] | None:
    return None if ref is None else {"code": ref.code, "name": ref.name}


def _located(where: Location) -> dict[str, Any]:
    room = where.police_room
    officer = where.officer_on_duty()
    out: dict[str, Any] = {level: _ref(ref) for level, ref in where.levels().items()}
    out["police_room"] = None
    out["officer_on_duty"] = None
    if room is not None:
        out["police_room"] = {
            "id": room.id,
            "name": room.name,
            "brand": room.brand,
            "phone": room.phone,
            "address": room.address,
            "hours": opening_hours.describe(room.hours),
            "open_now": opening_hours.is_open(room.hours),
        }
        if officer is not None:
            # The duty phone is the room's public number; officers' own numbers stay private.
            out["officer_on_duty"] = {"name": officer.masked_name, "phone": room.phone}
    return out


@router.get("/locate", response={200: LocateOut, 404: Message}, summary="Locate a point")
def locate_point(request: HttpRequest, point: Query[Point]) -> dict[str, Any]:
    """The district, street, community, grid and micro-grid at a point, its police room and
    the officer on duty now."""
    where = locate(point.lon, point.lat)
    if where is None:
        raise HttpError(404, _("This point lies outside every area Linli serves."))
    return _located(where)


def _areas(filters: AreaFilter) -> QuerySet[Area]:
    areas = Area.objects.order_by("code")
    if filters.level:
        areas = areas.filter(level=filters.level)
    if filters.within:
        areas = areas.within(filters.within)
    return areas


@router.get("/areas", response=list[AreaOut], summary="List areas")
@paginate(LimitOffsetPagination)
def list_areas(request: HttpRequest, filters: Query[AreaFilter]) -> list[dict[str, Any]]:
    return [
        {
            "code": a.code,
            "name": a.name,
            "level": a.level,
            "parent": a.code[:-3] if len(a.code) > 6 else None,
            "centroid": [a.centroid_lon, a.centroid_lat] if a.centroid_lon is not None else None,
        }
        for a in _areas(filters).defer("geometry")
    ]


@router.get("/areas.geojson", response=dict[str, Any], summary="Areas as GeoJSON")
def areas_geojson(request: HttpRequest, filters: Query[GeoJsonFilter]) -> dict[str, Any]:
    """A FeatureCollection of the areas (properties: code, name, level)."""
    features = []
    for area in _areas(filters).only("code", "name", "level", "geometry"):
        geometry = area.geometry
        if geometry and filters.simplify:
            shape = shapely.simplify(
                shapely.from_geojson(json.dumps(geometry)), filters.simplify, preserve_topology=True
            )
            geometry = json.loads(shapely.to_geojson(shape, indent=None))
        features.append(
            {
                "type": "Feature",
                "properties": {"code": area.code, "name": area.name, "level": area.level},
                "geometry": geometry,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _rooms() -> QuerySet[PoliceRoom]:
    return PoliceRoom.objects.select_related("station").order_by("name", "id")


def _room_rows(rooms: list[PoliceRoom]) -> list[dict[str, Any]]:
    on_duty = officers_on_duty(room.unit_id for room in rooms)
    return [
        {
            "id": room.id,
            "name": room.name,
            "brand": room.brand,
            "theme": room.theme,
            "address": room.address,
            "lon": room.lon,
            "lat": room.lat,
            "phone": room.phone,
            "hours": opening_hours.describe(room.hours),
            "hours_json": room.hours,
            "open_now": opening_hours.is_open(room.hours),
            "station": room.station.name,
            "officer_on_duty": on_duty[room.unit_id].masked_name
            if room.unit_id in on_duty
            else None,
        }
        for room in rooms
    ]


class RoomPagination(LimitOffsetPagination):
    """Paginate first, then look up who is on duty for the rooms of this page only."""

    def paginate_queryset(
        self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        page = super().paginate_queryset(queryset, pagination, request, **params)
        page["items"] = _room_rows(list(page["items"]))
        return page


class RoomFilter(Schema):
    within: str | None = Field(None, pattern=r"^\d{1,18}$", description="area code prefix")


@router.get("/police-rooms", response=list[RoomOut], summary="List police rooms")
@paginate(RoomPagination)
def list_rooms(request: HttpRequest, filters: Query[RoomFilter]) -> QuerySet[PoliceRoom]:
    rooms = _rooms()
    if filters.within:
        rooms = rooms.filter(unit__area_code__startswith=filters.within[:12])
    return rooms


class NearQuery(Point):
    n: int = Field(3, ge=1, le=20)


def _distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine) in metres."""
    radius = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(a))


@router.get("/police-rooms/nearest", response=NearestOut, summary="Nearest police rooms")
def nearest_rooms(request: HttpRequest, query: Query[NearQuery]) -> dict[str, Any]:
    rooms = list(_rooms())
    rooms.sort(key=lambda r: (_distance_m(query.lon, query.lat, r.lon, r.lat), r.id))
    chosen = rooms[: query.n]
    rows = _room_rows(chosen)
    for row, room in zip(rows, chosen, strict=True):
        row["distance_m"] = round(_distance_m(query.lon, query.lat, room.lon, room.lat))
    return {"items": rows}


@router.get(
    "/police-rooms/{room_id}", response={200: RoomOut, 404: Message}, summary="One police room"
)
def get_room(request: HttpRequest, room_id: int) -> dict[str, Any]:
    room = _rooms().filter(id=room_id).first()
    if room is None:
        raise HttpError(404, _("There is no such police room."))
    return _room_rows([room])[0]
