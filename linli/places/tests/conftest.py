"""A small hand-made jurisdiction: one district, two streets, three communities, grids and
micro-grids as unit squares of 0.01°, a police room with an officer on duty."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from linli.people.models import Shift, Unit, User
from linli.places.actions import import_areas
from linli.places.models import Area, PoliceRoom, PoliceStation

X0, Y0 = 120.70, 30.70


def square(x: float, y: float, w: float, h: float) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + w, y], [x + w, y + h], [x, y + h], [x, y]]],
    }


def feature(code: str, name: str, geometry: dict) -> dict:
    return {"type": "Feature", "properties": {"code": code, "name": name}, "geometry": geometry}


def small_city() -> dict:
    """District 330499 = [X0, X0+0.04] × [Y0, Y0+0.02]; street 001 the west half, 002 the east.
    Street 001 has community 001 (all of it) with two grids, each with two micro-grids."""
    f = [
        feature("330499", "测试区", square(X0, Y0, 0.04, 0.02)),
        feature("330499001", "西街道", square(X0, Y0, 0.02, 0.02)),
        feature("330499002", "东街道", square(X0 + 0.02, Y0, 0.02, 0.02)),
        feature("330499001001", "甲社区", square(X0, Y0, 0.02, 0.02)),
        feature("330499002001", "乙社区", square(X0 + 0.02, Y0, 0.02, 0.02)),
        feature("330499001001001", "甲社区第1网格", square(X0, Y0, 0.01, 0.02)),
        feature("330499001001002", "甲社区第2网格", square(X0 + 0.01, Y0, 0.01, 0.02)),
    ]
    for grid, gx in (("001", X0), ("002", X0 + 0.01)):
        for micro, my in (("001", Y0), ("002", Y0 + 0.01)):
            code = f"330499001001{grid}{micro}"
            f.append(feature(code, f"微网格{grid}-{micro}", square(gx, my, 0.01, 0.01)))
    return {"type": "FeatureCollection", "features": f}


@pytest.fixture
def admin_user(db) -> User:
    return User.objects.create_superuser("admin", password="x")


@pytest.fixture
def city(db, admin_user) -> dict:
    import_areas(small_city(), actor=admin_user)
    bureau = Unit.objects.create(
        code="330499-police", name="分局", kind=Unit.Kind.POLICE_BUREAU, area_code="330499"
    )
    station_unit = Unit.objects.create(
        code="330499001-station",
        name="西派出所",
        kind=Unit.Kind.POLICE_STATION,
        area_code="330499001",
        parent=bureau,
    )
    room_unit = Unit.objects.create(
        code="330499001001-room",
        name="甲社区警务室",
        kind=Unit.Kind.POLICE_ROOM,
        area_code="330499001001",
        parent=station_unit,
    )
    station = PoliceStation.objects.create(unit=station_unit, name="西派出所")
    officer = User.objects.create_user("officer1", full_name="王小明")
    room = PoliceRoom.objects.create(
        unit=room_unit,
        station=station,
        name="甲社区警务室",
        brand="枫桥驿站",
        address="甲路1号",
        lon=X0 + 0.005,
        lat=Y0 + 0.005,
        phone="0573-80000001",
        hours={d: [["00:00", "24:00"]] for d in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]},
        named_officer=officer,
    )
    room.micro_grids.set(Area.objects.filter(code__startswith="330499001001", level="micro_grid"))
    now = timezone.now()
    Shift.objects.create(
        unit=room_unit,
        officer=officer,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=8),
    )
    return {"room": room, "officer": officer, "room_unit": room_unit}
