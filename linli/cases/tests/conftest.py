"""The demo city, built once per test module and rolled back afterwards, with personas."""

from __future__ import annotations

import io

import pytest
from django.db import transaction

from linli.people.models import Membership, Role, Unit, User
from linli.places.models import Area, PoliceRoom
from linli.web.demo.loader import build_demo_city


@pytest.fixture(scope="module")
def demo_city(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_demo_city(io.StringIO(), progress=False)
        transaction.set_rollback(True)


@pytest.fixture
def room(demo_city) -> PoliceRoom:
    return PoliceRoom.objects.select_related("unit", "station__unit").order_by("id").first()


@pytest.fixture
def spot(room) -> tuple[float, float]:
    """A point inside the first micro-grid the room serves."""
    grid = room.micro_grids.order_by("code").first()
    return grid.centroid_lon, grid.centroid_lat


@pytest.fixture
def room_officer(room) -> User:
    return room.named_officer


@pytest.fixture
def other_room_officer(room) -> User:
    other = PoliceRoom.objects.exclude(unit__area_code=room.unit.area_code).order_by("id").first()
    return other.named_officer


@pytest.fixture
def resident(demo_city) -> User:
    return User.objects.get(username="resident1")


@pytest.fixture
def street_staff(room) -> User:
    office = Unit.objects.get(kind=Unit.Kind.STREET_OFFICE, area_code=room.unit.area_code[:9])
    return Membership.objects.filter(unit=office, role=Role.STREET_STAFF).first().user


def a_point_in(code_prefix: str) -> tuple[float, float]:
    area = Area.objects.filter(code__startswith=code_prefix, level="micro_grid").order_by("code")
    first = area.first()
    return first.centroid_lon, first.centroid_lat
