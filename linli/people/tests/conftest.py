"""Personas, built through the people actions: a resident, a room officer, an officer of another
room, street staff, district staff and an administrator."""

from __future__ import annotations

import pytest

from linli.people import actions
from linli.people.models import Role, Unit, User


def unit(code: str, kind: str, area: str) -> Unit:
    return Unit.objects.create(code=code, name=code, kind=kind, area_code=area)


@pytest.fixture
def units(db) -> dict[str, Unit]:
    return {
        "room": unit("330499001001-room", Unit.Kind.POLICE_ROOM, "330499001001"),
        "other_room": unit("330499002001-room", Unit.Kind.POLICE_ROOM, "330499002001"),
        "street": unit("330499001-office", Unit.Kind.STREET_OFFICE, "330499001"),
        "district": unit("330499-office", Unit.Kind.DISTRICT_OFFICE, "330499"),
        "committee": unit("330499001001-committee", Unit.Kind.COMMUNITY_COMMITTEE, "330499001001"),
    }


def person(username: str, unit: Unit | None, role: Role, **personal: str) -> User:
    user = actions.create_user(username, actor=None, password="a-long-password-1", **personal)
    if unit is not None:
        actions.grant_membership(user, unit, role, actor=None)
    return user


@pytest.fixture
def resident(units) -> User:
    return person(
        "resident",
        units["committee"],
        Role.RESIDENT,
        full_name="李四",
        phone="13800000001",
        id_number="33049919900101123X",
    )


@pytest.fixture
def room_officer(units) -> User:
    return person("officer", units["room"], Role.OFFICER, full_name="王小明", phone="13900000002")


@pytest.fixture
def other_room_officer(units) -> User:
    return person("other_officer", units["other_room"], Role.OFFICER)


@pytest.fixture
def street_staff(units) -> User:
    return person("street", units["street"], Role.STREET_STAFF)


@pytest.fixture
def district_staff(units) -> User:
    return person("district", units["district"], Role.DISTRICT_STAFF)


@pytest.fixture
def administrator(units) -> User:
    return person("admin", units["district"], Role.ADMINISTRATOR)
