"""The demo city: a fictional district at the seeds' scale, loaded once, tiled exactly, staffed
and rostered four weeks ahead.

The city is built once for this module inside a transaction that is rolled back at the end, so
the other test modules never see it; each test runs in its own savepoint within it.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

import pytest
import shapely
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from shapely.geometry import shape

from linli.core.crypto import blind_index
from linli.core.identifiers import citizen_id_check_char
from linli.people.duty import officer_on_duty
from linli.people.models import Membership, Role, Shift, Unit, User
from linli.places.models import (
    CODE_LENGTH,
    Area,
    Level,
    PoliceRoom,
    PoliceStation,
    TrafficSquad,
)
from linli.web.demo import DEMO_PASSWORD, DISTRICT_CODE
from linli.web.demo.geometry import plan_district
from linli.web.demo.loader import build_demo_city
from linli.web.demo.roster import WEEKDAYS, roster_end

BIG_STREET = f"{DISTRICT_CODE}001"


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        summary = build_demo_city(io.StringIO(), progress=False)
        yield summary
        transaction.set_rollback(True)


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


def _count(level: Level, prefix: str = DISTRICT_CODE) -> int:
    return Area.objects.filter(level=level, code__startswith=prefix).count()


def _geometry_digest(areas: list[tuple[str, Any]]) -> str:
    payload = json.dumps(sorted(areas, key=lambda a: a[0]), sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


# --- scale -----------------------------------------------------------------------------------


def test_the_district_has_six_streets_and_the_big_street_has_95_grids_and_677_micro_grids():
    assert _count(Level.DISTRICT) == 1
    assert _count(Level.STREET) == 6
    assert _count(Level.COMMUNITY) >= 60
    assert _count(Level.GRID, BIG_STREET) == 95
    assert _count(Level.MICRO_GRID, BIG_STREET) == 677
    big_street_communities = _count(Level.COMMUNITY, BIG_STREET)
    assert 10 <= big_street_communities <= 12
    for street in Area.objects.filter(level=Level.STREET).exclude(code=BIG_STREET):
        # The other streets are coarser: fewer, larger grids and micro-grids.
        assert _count(Level.GRID, street.code) < 95
        assert _count(Level.MICRO_GRID, street.code) < 677


def test_police_traffic_departments_organisations_and_volunteers_reach_the_seed_scale(demo):
    units = Unit.objects.filter(code__startswith=DISTRICT_CODE)
    assert units.filter(kind=Unit.Kind.POLICE_BUREAU).count() == 1
    assert units.filter(kind=Unit.Kind.POLICE_STATION).count() == 6
    assert PoliceRoom.objects.count() >= 70
    assert TrafficSquad.objects.count() == 5
    assert units.filter(kind=Unit.Kind.DISTRICT_DEPARTMENT).count() == 24
    assert units.filter(kind=Unit.Kind.SOCIAL_ORGANISATION).count() >= 100
    assert units.filter(kind=Unit.Kind.COMMUNITY_COMMITTEE).count() == _count(Level.COMMUNITY)
    assert units.filter(kind=Unit.Kind.STREET_OFFICE).count() == 6
    assert units.filter(kind=Unit.Kind.COMMAND_CENTRE).count() == 1
    volunteers = Membership.objects.filter(role=Role.VOLUNTEER, user__is_demo=True)
    assert volunteers.count() >= 1101
    assert demo.volunteers == volunteers.count()
    # Every street is covered by exactly one traffic squad.
    covered = list(TrafficSquad.areas.through.objects.values_list("area__code", flat=True))
    assert sorted(covered) == sorted(
        Area.objects.filter(level=Level.STREET).values_list("code", flat=True)
    )


def test_every_area_code_has_the_length_of_its_level_and_starts_with_its_parents_code():
    for area in Area.objects.select_related("parent"):
        assert len(area.code) == CODE_LENGTH[Level(area.level)]
        if area.level != Level.DISTRICT:
            assert area.parent is not None
            assert area.code.startswith(area.parent.code)


# --- geometry --------------------------------------------------------------------------------


def test_the_children_of_every_area_tile_it_without_gaps_or_overlaps():
    areas = list(Area.objects.values("code", "parent__code", "geometry"))
    shapes = {a["code"]: shape(a["geometry"]) for a in areas}
    children = defaultdict(list)
    for area in areas:
        if area["parent__code"]:
            children[area["parent__code"]].append(shapes[area["code"]])
    assert len(children) == 1 + 6 + _count(Level.COMMUNITY) + _count(Level.GRID)
    for parent_code, parts in children.items():
        parent = shapes[parent_code]
        union = shapely.union_all(parts)
        assert abs(union.area - parent.area) <= 1e-9 * parent.area, parent_code
        assert abs(sum(p.area for p in parts) - parent.area) <= 1e-9 * parent.area, parent_code
        assert shapely.symmetric_difference(union, parent).area <= 1e-9 * parent.area
        tree = shapely.STRtree(parts)
        pairs = tree.query(parts, predicate="intersects")
        for i, j in zip(*pairs, strict=True):
            if i < j:
                assert parts[i].intersection(parts[j]).area == 0, parent_code


def test_every_polygon_is_valid_rounded_to_six_decimals_and_holds_its_centroid():
    for area in Area.objects.all():
        geometry = shape(area.geometry)
        assert geometry.is_valid, area.code
        assert geometry.geom_type in {"Polygon", "MultiPolygon"}
        for x, y in shapely.get_coordinates(geometry):
            assert round(x, 6) == x and round(y, 6) == y
        assert geometry.covers(shapely.Point(area.centroid_lon, area.centroid_lat)), area.code


def test_the_district_lies_near_jiaxing_and_measures_about_18_by_16_km():
    district = shape(Area.objects.get(code=DISTRICT_CODE).geometry)
    min_lon, min_lat, max_lon, max_lat = district.bounds
    assert 120.6 < min_lon < 120.75 < max_lon < 120.9
    assert 30.65 < min_lat < 30.75 < max_lat < 30.85
    width_km = (max_lon - min_lon) * 95.7
    height_km = (max_lat - min_lat) * 111.2
    assert 16 < width_km < 21 and 14 < height_km < 18


def test_the_generator_gives_the_same_codes_and_polygons_every_time():
    stored = [(code, geometry) for code, geometry in Area.objects.values_list("code", "geometry")]
    fresh = [(plan.code, plan.geojson()) for plan in plan_district().walk()]
    assert _geometry_digest(fresh) == _geometry_digest(stored)


# --- police rooms ----------------------------------------------------------------------------


def test_every_police_room_has_its_own_brand_a_named_and_a_backup_officer_and_a_place():
    rooms = list(PoliceRoom.objects.select_related("unit", "station__unit"))
    assert len({room.brand for room in rooms}) == len(rooms)
    for room in rooms:
        assert room.named_officer_id and room.backup_officer_id
        assert room.named_officer_id != room.backup_officer_id
        officers = set(
            Membership.objects.filter(unit=room.unit, role=Role.OFFICER).values_list(
                "user_id", flat=True
            )
        )
        assert {room.named_officer_id, room.backup_officer_id} <= officers
        assert room.unit.area_code.startswith(room.station.unit.area_code)
        community = Area.objects.get(code=room.unit.area_code, level=Level.COMMUNITY)
        assert shape(community.geometry).contains(shapely.Point(room.lon, room.lat))
        assert room.address and room.phone and room.theme
        assert set(room.hours) == set(WEEKDAYS)


def test_the_rooms_of_a_community_serve_exactly_its_micro_grids():
    served: defaultdict[str, list[str]] = defaultdict(list)
    for room in PoliceRoom.objects.select_related("unit").prefetch_related("micro_grids"):
        served[room.unit.area_code].extend(m.code for m in room.micro_grids.all())
    for community in Area.objects.filter(level=Level.COMMUNITY):
        expected = Area.objects.within(community.code).filter(level=Level.MICRO_GRID)
        assert sorted(served[community.code]) == sorted(expected.values_list("code", flat=True))


def _opening_intervals(hours: dict, day) -> list[tuple[datetime, datetime]]:
    zone = timezone.get_current_timezone()
    intervals = []
    for opens, closes in hours[WEEKDAYS[day.weekday()]]:
        midnight = datetime.combine(day, datetime.min.time(), tzinfo=zone)
        start = midnight + timedelta(hours=int(opens[:2]), minutes=int(opens[3:]))
        end = midnight + timedelta(hours=int(closes[:2]), minutes=int(closes[3:]))
        intervals.append((start, end))
    return intervals


def _uncovered(
    needed: tuple[datetime, datetime], shifts: list[tuple[datetime, datetime]]
) -> datetime | None:
    """The first moment of ``needed`` that no shift covers, or None."""
    moment, end = needed
    for starts_at, ends_at in sorted(shifts):
        if starts_at <= moment < ends_at:
            moment = ends_at
        if moment >= end:
            return None
    return moment if moment < end else None


def _assert_roster_covers_four_weeks():
    now = timezone.now()
    horizon = now + timedelta(days=28)
    shifts = defaultdict(list)
    for unit_id, post, starts_at, ends_at in Shift.objects.values_list(
        "unit_id", "post", "starts_at", "ends_at"
    ):
        shifts[unit_id, post].append((starts_at, ends_at))
    today = timezone.localdate()
    for room in PoliceRoom.objects.all():
        for offset in range(0, 30):
            for start, end in _opening_intervals(room.hours, today + timedelta(days=offset)):
                needed = (max(start, now), min(end, horizon))
                if needed[0] >= needed[1]:
                    continue
                for post in Shift.Post:
                    gap = _uncovered(needed, shifts[room.unit_id, post])
                    assert gap is None, f"{room.name}: no {post} on duty at {gap}"


def test_the_roster_covers_every_opening_hour_of_every_room_for_four_weeks():
    _assert_roster_covers_four_weeks()
    round_the_clock = [
        room for room in PoliceRoom.objects.all() if room.hours["mon"] == [["00:00", "24:00"]]
    ]
    assert len(round_the_clock) >= PoliceRoom.objects.count() // 3


def test_someone_answers_in_a_round_the_clock_room_at_three_in_the_morning():
    room = next(
        room
        for room in PoliceRoom.objects.select_related("unit")
        if room.hours["sun"] == [["00:00", "24:00"]]
    )
    night = datetime.combine(
        timezone.localdate() + timedelta(days=3),
        datetime.min.time(),
        tzinfo=timezone.get_current_timezone(),
    ) + timedelta(hours=3)
    on_duty = officer_on_duty(room.unit, night)
    assert on_duty is not None
    assert on_duty.pk in {room.named_officer_id, room.backup_officer_id}


# --- accounts --------------------------------------------------------------------------------


def test_there_is_a_demo_account_for_every_role_named_after_it():
    expected = {
        "resident1": Role.RESIDENT,
        "resident20": Role.RESIDENT,
        "officer1": Role.OFFICER,
        "auxiliary1": Role.AUXILIARY,
        "traffic1": Role.TRAFFIC_OFFICER,
        "gridworker1": Role.GRID_WORKER,
        "volunteer1101": Role.VOLUNTEER,
        "street1": Role.STREET_STAFF,
        "district1": Role.DISTRICT_STAFF,
        "clerk1": Role.DISTRICT_STAFF,
        "department1": Role.DEPARTMENT_STAFF,
        "commander1": Role.COMMANDER,
        "admin": Role.ADMINISTRATOR,
    }
    for username, role in expected.items():
        user = User.objects.get(username=username)
        assert user.is_demo
        assert user.memberships.filter(role=role).exists(), username
    assert Membership.objects.get(user__username="street1").unit.area_code == BIG_STREET
    assert Membership.objects.get(user__username="commander1").unit.area_code == DISTRICT_CODE
    clerk = Membership.objects.get(user__username="clerk1")
    assert clerk.unit.kind == "police_bureau" and clerk.unit.area_code == DISTRICT_CODE
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert admin.check_password(DEMO_PASSWORD)
    assert User.objects.get(username="resident1").check_password(DEMO_PASSWORD)
    assert not User.objects.filter(is_demo=False).exists()


def test_demo_residents_are_real_name_with_valid_id_numbers_found_by_their_blind_index():
    residents = list(User.objects.filter(username__startswith="resident"))
    assert len(residents) == 20
    for resident in residents:
        number = resident.id_number
        assert resident.is_real_name and resident.full_name
        assert len(number) == 18 and number.startswith(DISTRICT_CODE)
        assert citizen_id_check_char(number[:17]) == number[17]
        found = User.objects.get(id_number_index=blind_index(number, purpose="id_number"))
        assert found == resident
        assert resident.phone.startswith("1380000")
        assert User.objects.get(phone_index=blind_index(resident.phone, purpose="phone")) == (
            resident
        )


# --- loading again ---------------------------------------------------------------------------


def test_a_second_load_changes_nothing_and_lists_the_accounts():
    areas, users, shifts = Area.objects.count(), User.objects.count(), Shift.objects.count()
    out = io.StringIO()
    call_command("load_demo", "--no-progress", stdout=out)
    assert (Area.objects.count(), User.objects.count(), Shift.objects.count()) == (
        areas,
        users,
        shifts,
    )
    printed = out.getvalue()
    assert "officer1" in printed and "volunteer1" in printed and DEMO_PASSWORD in printed


def test_loading_an_old_demo_extends_its_roster_to_four_weeks_from_today():
    cut = timezone.now() + timedelta(days=5)
    Shift.objects.filter(starts_at__gte=cut).delete()
    call_command("load_demo", "--no-progress", stdout=io.StringIO())
    _assert_roster_covers_four_weeks()
    last = Shift.objects.latest("starts_at").starts_at
    assert timezone.localtime(last).date() == roster_end(timezone.localdate())


def test_a_demo_loaded_six_weeks_ago_gets_a_roster_from_today():
    six_weeks = timedelta(days=42)
    Shift.objects.update(starts_at=F("starts_at") - six_weeks, ends_at=F("ends_at") - six_weeks)
    call_command("load_demo", "--no-progress", stdout=io.StringIO())
    _assert_roster_covers_four_weeks()


def _remove_the_demo_city():
    """Delete every demo row, leaves first (units and areas protect their parents)."""
    Shift.objects.all().delete()
    Membership.objects.all().delete()
    PoliceRoom.objects.all().delete()
    TrafficSquad.objects.all().delete()
    PoliceStation.objects.all().delete()
    User.objects.filter(is_demo=True).delete()
    for kind in [
        Unit.Kind.SOCIAL_ORGANISATION,
        Unit.Kind.POLICE_ROOM,
        Unit.Kind.COMMUNITY_COMMITTEE,
        Unit.Kind.POLICE_STATION,
        Unit.Kind.TRAFFIC_SQUAD,
        Unit.Kind.DISTRICT_DEPARTMENT,
        Unit.Kind.STREET_OFFICE,
    ]:
        Unit.objects.filter(kind=kind).delete()
    Unit.objects.all().delete()
    for level in reversed(list(Level)):
        Area.objects.filter(level=level).delete()


def test_a_load_that_fails_half_way_leaves_nothing_behind():
    _remove_the_demo_city()
    # An account that is not the demo's takes a demo username: the accounts step must fail,
    # after the areas and units were written.
    User.objects.create_user(username="admin", password="not-the-demo-password-1")
    with pytest.raises(IntegrityError):
        build_demo_city(io.StringIO(), progress=False)
    assert not Area.objects.exists()
    assert not Unit.objects.exists()
    assert list(User.objects.values_list("username", flat=True)) == ["admin"]
