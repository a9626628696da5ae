"""Booking personas and a small service point with a weekday plan."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from django.utils import timezone

from linli.booking.models import OpeningPlan, ServicePoint, Window
from linli.booking.presence import Presence, hall_code
from linli.core import workdays
from linli.people.models import Membership, Role, Unit, User


def next_workday(after: date | None = None) -> date:
    return workdays.next_working_day(after or timezone.localdate())


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=workdays.local_zone())


def make_point(capacity: int = 2, **extra: object) -> ServicePoint:
    point = ServicePoint.objects.create(
        kind=extra.pop("kind", ServicePoint.Kind.STATION_HALL),
        name=str(extra.pop("name", "南湖派出所办证大厅")),
        address="南湖路1号",
        **extra,
    )
    Window.objects.create(point=point, number=1, name="户政", matters=["household_move_in"])
    Window.objects.create(point=point, number=2, name="综合", matters=["zhejiang_residence_permit"])
    for weekday in range(5):
        OpeningPlan.objects.create(
            point=point,
            weekday=weekday,
            opens=time(9),
            closes=time(12),
            slot_minutes=30,
            capacity=capacity,
        )
    return point


def at_the_hall(point: ServicePoint, now: datetime | None = None) -> Presence:
    """What a phone at ``point`` sends to check in: the code on the hall's screen."""
    return Presence(code=hall_code(point, now or timezone.now()))


def make_resident(n: int = 1) -> User:
    # No password: hashing one costs a tenth of a second, and these residents never sign in.
    return User.objects.create(username=f"booker{n}", phone=f"139{n:08d}", full_name=f"居民{n}")


@pytest.fixture
def point(db) -> ServicePoint:
    return make_point()


@pytest.fixture
def resident(db) -> User:
    return make_resident(1)


@pytest.fixture
def workday() -> date:
    return next_workday()


@pytest.fixture
def station(db) -> Unit:
    """A police station with a service point's window staff (see window_clerk)."""
    return Unit.objects.create(
        code="station-t", name="南湖派出所", kind=Unit.Kind.POLICE_STATION, area_code="330402001"
    )


@pytest.fixture
def window_clerk(station) -> User:
    clerk = User.objects.create(username="window-clerk", full_name="窗口民警", phone="13900000001")
    Membership.objects.create(user=clerk, unit=station, role=Role.OFFICER)
    return clerk
