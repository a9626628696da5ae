"""Demo service points: the district hall, the first station halls and every police room, with
windows and weekday plans, built from the demo city's units with a handful of bulk inserts.

Matters are catalogue codes (the hall app's catalogue); the demo uses these codes."""

from __future__ import annotations

from datetime import time

from django.db import transaction

from linli.booking.models import OpeningPlan, ServicePoint, Window
from linli.people.models import Unit
from linli.places.models import PoliceRoom, PoliceStation

# The 7 matters delegated to every police room, then hall-only matters.
ROOM_MATTERS = [
    "home_purchase_household",
    "traffic_information_query",
    "same_name_query",
    "rental_housing_registration",
    "floating_population_registration",
    "foreign_guest_registration",
    "zhejiang_residence_permit",
]
HOUSEHOLD = ["household_move_in", "household_move_out", "id_card_first", "id_card_renewal"]
EXIT_ENTRY = ["passport", "hk_macau_permit", "taiwan_permit"]
TRAFFIC = ["driving_licence_renewal", "vehicle_registration"]
STATION_HALLS = 3


def _plans(point: ServicePoint, capacity: int) -> list[OpeningPlan]:
    return [
        OpeningPlan(
            point=point,
            weekday=day,
            opens=time(9),
            closes=time(17),
            slot_minutes=30,
            capacity=capacity,
        )
        for day in range(5)
    ]


@transaction.atomic
def load_demo_booking() -> int:
    """Create the demo service points unless there are some; return how many were created."""
    if ServicePoint.objects.exists():
        return 0
    bureau = Unit.objects.filter(kind=Unit.Kind.POLICE_BUREAU).order_by("code").first()
    points: list[tuple[ServicePoint, list[tuple[str, list[str]]], int]] = []
    hall_windows = [
        ("户政", HOUSEHOLD + ROOM_MATTERS[:1]),
        ("出入境", EXIT_ENTRY),
        ("交管", TRAFFIC + ROOM_MATTERS[1:2]),
        ("综合", ROOM_MATTERS),
    ]
    district = ServicePoint(
        kind=ServicePoint.Kind.DISTRICT_HALL,
        name="区行政服务中心公安窗口",
        address=bureau.address if bureau else "",
        unit=bureau,
        area_code=bureau.area_code if bureau else "",
    )
    points.append((district, hall_windows, 8))
    for station in PoliceStation.objects.select_related("unit").order_by("id")[:STATION_HALLS]:
        hall = ServicePoint(
            kind=ServicePoint.Kind.STATION_HALL,
            name=f"{station.name}办证大厅",
            address=station.address,
            unit=station.unit,
            area_code=station.unit.area_code,
            lon=station.lon,
            lat=station.lat,
        )
        points.append((hall, [("户政", HOUSEHOLD), ("综合", ROOM_MATTERS)], 4))
    for room in PoliceRoom.objects.select_related("unit").order_by("id"):
        point = ServicePoint(
            kind=ServicePoint.Kind.POLICE_ROOM,
            name=room.name,
            address=room.address,
            unit=room.unit,
            area_code=room.unit.area_code,
            lon=room.lon,
            lat=room.lat,
        )
        points.append((point, [("警务室", ROOM_MATTERS)], 2))
    ServicePoint.objects.bulk_create([p for p, _, _ in points])
    windows, plans = [], []
    for point, spec, capacity in points:
        for number, (name, matters) in enumerate(spec, start=1):
            windows.append(Window(point=point, number=number, name=name, matters=matters))
        plans.extend(_plans(point, capacity))
    Window.objects.bulk_create(windows)
    OpeningPlan.objects.bulk_create(plans)
    return len(points)
