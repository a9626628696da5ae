"""Writes the demo district's areas and units (police, traffic, government, organisations).

Rows are written with ``bulk_create`` level by level: the demo is a fixture loaded once into an
empty database inside one transaction, not a sequence of user actions, so it skips the actions'
per-row audit events on purpose.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import shapely

from linli.people.models import Unit
from linli.places.models import LEVEL_ORDER, Area, PoliceRoom, PoliceStation, TrafficSquad
from linli.web.demo import names, roster
from linli.web.demo.geometry import DISTRICT_CODE, DISTRICT_NAME, PRECISION, AreaPlan

CITY = "浙江省嘉兴市"
EXTRA_ROOMS = 8  # the largest communities keep two police rooms, one for each half


@dataclass
class RoomPlan:
    """A police room before it is written: its community, the grids it serves, its place."""

    unit_code: str
    name: str
    community: AreaPlan
    grids: list[AreaPlan]
    lon: float
    lat: float
    brand: str = ""
    theme: str = ""
    hours: roster.Hours = field(default_factory=dict)
    phone: str = ""
    address: str = ""


@dataclass
class City:
    """What the people loader needs to know about the written city."""

    district: AreaPlan
    area_ids: dict[str, int]
    units: dict[str, Unit]
    rooms: list[RoomPlan]
    squads: list[Unit]
    departments: list[Unit]
    committees: list[Unit]  # one per community, in community code order
    street_offices: list[Unit]
    organisations: int


def write_areas(district: AreaPlan) -> dict[str, int]:
    """Every area of the plan, parents first; returns code → primary key."""
    plans = district.walk()
    ids: dict[str, int] = {}
    for level in LEVEL_ORDER:
        rows = []
        for plan in (p for p in plans if p.level == level):
            lon, lat = plan.centroid()
            rows.append(
                Area(
                    code=plan.code,
                    name=plan.name,
                    level=plan.level,
                    parent_id=ids.get(plan.parent_code or ""),
                    geometry=plan.geojson(),
                    centroid_lon=lon,
                    centroid_lat=lat,
                )
            )
        Area.objects.bulk_create(rows, batch_size=500)
        ids.update(
            Area.objects.filter(level=level, code__startswith=DISTRICT_CODE).values_list(
                "code", "id"
            )
        )
    return ids


def plan_rooms(district: AreaPlan, rng: random.Random) -> list[RoomPlan]:
    """One room per community; the largest communities get a second room for their east half."""
    communities = [c for street in district.children for c in street.children]
    splittable = [c for c in communities if len(c.children) >= 2]
    largest = sorted(splittable, key=lambda c: (-sum(len(g.children) for g in c.children), c.code))
    split = {c.code for c in largest[:EXTRA_ROOMS]}
    rooms: list[RoomPlan] = []
    for community in communities:
        if community.code in split:
            grids = sorted(community.children, key=lambda g: g.centroid()[0])
            half = len(grids) // 2
            parts = [("西片", grids[:half], "-room-1"), ("东片", grids[half:], "-room-2")]
        else:
            parts = [("", community.children, "-room")]
        for label, grids, suffix in parts:
            point = shapely.union_all([g.geometry for g in grids]).point_on_surface()
            rooms.append(
                RoomPlan(
                    unit_code=community.code + suffix,
                    name=f"{community.name}{label}警务室",
                    community=community,
                    grids=sorted(grids, key=lambda g: g.code),
                    lon=round(point.x, PRECISION),
                    lat=round(point.y, PRECISION),
                )
            )
    for index, (room, (brand, theme)) in enumerate(
        zip(rooms, names.brands(rng, len(rooms)), strict=True)
    ):
        room.brand, room.theme = brand, theme
        room.hours = roster.HOURS_CYCLE[index % len(roster.HOURS_CYCLE)]
        room.phone = f"0573-8{index + 1:03d}{rng.randint(1000, 9999)}"
        street = next(s for s in district.children if room.community.code.startswith(s.code))
        room.address = address(street, room.community, rng)
    return rooms


def address(street: AreaPlan, place: AreaPlan, rng: random.Random) -> str:
    """A fictional street address: a road named after ``place`` in ``street``."""
    road = place.name[:2] + rng.choice(["路", "街", "大道", "弄"])
    return f"{CITY}{DISTRICT_NAME}{street.name}{road}{rng.randint(1, 399)}号"


def _unit(code: str, name: str, kind: Unit.Kind, area_code: str, parent: Unit | None) -> Unit:
    return Unit(code=code, name=name, kind=kind, area_code=area_code, parent=parent)


def _save(units: list[Unit]) -> dict[str, Unit]:
    Unit.objects.bulk_create(units, batch_size=500)
    saved = Unit.objects.in_bulk([u.code for u in units], field_name="code")
    return {code: saved[code] for code in (u.code for u in units)}


def write_units(district: AreaPlan, rooms: list[RoomPlan], rng: random.Random) -> City:
    """The unit tree: bureau → stations → rooms, bureau → squads, district office → departments
    and street offices → community committees → social organisations, and the command centre."""
    kind = Unit.Kind
    streets = district.children
    communities = [c for s in streets for c in s.children]
    top = _save(
        [
            _unit(
                f"{DISTRICT_CODE}-police",
                f"嘉兴市公安局{DISTRICT_NAME}分局",
                kind.POLICE_BUREAU,
                DISTRICT_CODE,
                None,
            ),
            _unit(
                f"{DISTRICT_CODE}-office",
                f"{DISTRICT_NAME}人民政府办公室",
                kind.DISTRICT_OFFICE,
                DISTRICT_CODE,
                None,
            ),
            _unit(
                f"{DISTRICT_CODE}-command",
                f"{DISTRICT_NAME}社会治理综合指挥中心",
                kind.COMMAND_CENTRE,
                DISTRICT_CODE,
                None,
            ),
        ]
    )
    bureau, office = top[f"{DISTRICT_CODE}-police"], top[f"{DISTRICT_CODE}-office"]
    second = _save(
        [
            _unit(f"{s.code}-station", f"{s.name[:2]}派出所", kind.POLICE_STATION, s.code, bureau)
            for s in streets
        ]
        + [
            _unit(
                f"{DISTRICT_CODE}-traffic-{i + 1}",
                f"{DISTRICT_NAME}交警{n}",
                kind.TRAFFIC_SQUAD,
                _squad_scope(i, streets),
                bureau,
            )
            for i, n in enumerate(names.TRAFFIC_SQUADS)
        ]
        + [
            Unit(
                code=f"{DISTRICT_CODE}-dept-{i + 1:02d}",
                name=f"{DISTRICT_NAME}{n}",
                kind=kind.DISTRICT_DEPARTMENT,
                area_code=DISTRICT_CODE,
                parent=office,
                department=names.DEPARTMENT_KEYS.get(n, ""),
            )
            for i, n in enumerate(names.DEPARTMENTS)
        ]
        + [
            _unit(f"{s.code}-office", f"{s.name}办事处", kind.STREET_OFFICE, s.code, office)
            for s in streets
        ]
    )
    third = _save(
        [
            _unit(
                r.unit_code,
                r.name,
                kind.POLICE_ROOM,
                r.community.code,
                second[f"{r.community.code[:9]}-station"],
            )
            for r in rooms
        ]
        + [
            _unit(
                f"{c.code}-committee",
                f"{c.name}居民委员会",
                kind.COMMUNITY_COMMITTEE,
                c.code,
                second[f"{c.code[:9]}-office"],
            )
            for c in communities
        ]
    )
    organisations = []
    for c in communities:
        for i, org_kind in enumerate(rng.sample(names.ORGANISATION_KINDS, 2)):
            organisations.append(
                _unit(
                    f"{c.code}-org-{i + 1}",
                    f"{c.name.removesuffix('社区')}{org_kind}",
                    kind.SOCIAL_ORGANISATION,
                    c.code,
                    third[f"{c.code}-committee"],
                )
            )
    fourth = _save(organisations)
    units = {**top, **second, **third, **fourth}
    return City(
        district=district,
        area_ids={},
        units=units,
        rooms=rooms,
        squads=[
            units[f"{DISTRICT_CODE}-traffic-{i + 1}"] for i in range(len(names.TRAFFIC_SQUADS))
        ],
        departments=[
            units[f"{DISTRICT_CODE}-dept-{i + 1:02d}"] for i in range(len(names.DEPARTMENTS))
        ],
        committees=[units[f"{c.code}-committee"] for c in communities],
        street_offices=[units[f"{s.code}-office"] for s in streets],
        organisations=len(organisations),
    )


def squad_streets(index: int, streets: list[AreaPlan]) -> list[AreaPlan]:
    """Five squads for six streets: the city squad also covers the street next to the core."""
    if index == 0:
        return streets[:2]
    return [streets[index + 1]]


def _squad_scope(index: int, streets: list[AreaPlan]) -> str:
    covered = squad_streets(index, streets)
    # A unit's scope is one code prefix: a squad over two streets answers for the district.
    return covered[0].code if len(covered) == 1 else DISTRICT_CODE


def write_police(city: City, rng: random.Random, officers: dict[str, tuple[int, int]]) -> None:
    """Stations, rooms (with their named and backup officers) and traffic squads."""
    streets = city.district.children
    stations = []
    for street in streets:
        lon, lat = street.centroid()
        stations.append(
            PoliceStation(
                unit=city.units[f"{street.code}-station"],
                name=f"{street.name[:2]}派出所",
                address=address(street, street, rng),
                phone=f"0573-8{rng.randint(100, 999)}0110",
                lon=lon,
                lat=lat,
            )
        )
    PoliceStation.objects.bulk_create(stations)
    station_of = {s.unit.area_code: s for s in PoliceStation.objects.select_related("unit")}
    police_rooms = [
        PoliceRoom(
            unit=city.units[r.unit_code],
            station=station_of[r.community.code[:9]],
            name=r.name,
            brand=r.brand,
            theme=r.theme,
            address=r.address,
            lon=r.lon,
            lat=r.lat,
            phone=r.phone,
            hours=r.hours,
            named_officer_id=officers[r.unit_code][0],
            backup_officer_id=officers[r.unit_code][1],
        )
        for r in city.rooms
    ]
    PoliceRoom.objects.bulk_create(police_rooms)
    room_ids = dict(
        PoliceRoom.objects.filter(unit__code__startswith=DISTRICT_CODE).values_list(
            "unit__code", "id"
        )
    )
    served = PoliceRoom.micro_grids.through
    served.objects.bulk_create(
        [
            served(policeroom_id=room_ids[r.unit_code], area_id=city.area_ids[m.code])
            for r in city.rooms
            for g in r.grids
            for m in g.children
        ],
        batch_size=1000,
    )
    _write_squads(city, rng)


def _write_squads(city: City, rng: random.Random) -> None:
    streets = city.district.children
    squads = []
    for index, unit in enumerate(city.squads):
        covered = squad_streets(index, streets)[0]
        lon, lat = covered.centroid()
        squads.append(
            TrafficSquad(
                unit=unit,
                name=unit.name,
                address=address(covered, covered, rng),
                phone=f"0573-8{rng.randint(100, 999)}0122",
                lon=lon,
                lat=lat,
            )
        )
    TrafficSquad.objects.bulk_create(squads)
    squad_ids = dict(
        TrafficSquad.objects.filter(unit__in=city.squads).values_list("unit__code", "id")
    )
    covers = TrafficSquad.areas.through
    covers.objects.bulk_create(
        [
            covers(trafficsquad_id=squad_ids[unit.code], area_id=city.area_ids[street.code])
            for index, unit in enumerate(city.squads)
            for street in squad_streets(index, streets)
        ]
    )
