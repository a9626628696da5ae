"""Identity personas, built through the people actions: a real-name resident 张小三, a resident
without identity on record, the room's officer, an officer of another room and street staff.
Every test signs with its own fresh e-ID key."""

from __future__ import annotations

import secrets

import pytest
from django.test import Client

from linli.people import actions
from linli.people.models import Role, Unit, User

ID_NUMBER = "330402199001011230"  # GB 11643-valid (check character 0)


@pytest.fixture(autouse=True)
def _eid_key(settings):
    settings.EID_KEY = secrets.token_urlsafe(32)


def make_unit(code: str, kind: str, area: str) -> Unit:
    return Unit.objects.create(code=code, name=f"{code}室", kind=kind, area_code=area)


def person(username: str, unit: Unit | None, role: Role, **personal: str) -> User:
    user = actions.create_user(username, actor=None, **personal)
    if unit is not None:
        actions.grant_membership(user, unit, role, actor=None)
    return user


@pytest.fixture
def units(db) -> dict[str, Unit]:
    return {
        "room": make_unit("330499001001-room", Unit.Kind.POLICE_ROOM, "330499001001"),
        "other_room": make_unit("330499002001-room", Unit.Kind.POLICE_ROOM, "330499002001"),
        "street": make_unit("330499001-office", Unit.Kind.STREET_OFFICE, "330499001"),
        "committee": make_unit(
            "330499001001-committee", Unit.Kind.COMMUNITY_COMMITTEE, "330499001001"
        ),
    }


@pytest.fixture
def resident(units) -> User:
    return person(
        "resident",
        units["committee"],
        Role.RESIDENT,
        full_name="张小三",
        phone="13800000001",
        id_number=ID_NUMBER,
    )


@pytest.fixture
def nameless(units) -> User:
    return person("nameless", units["committee"], Role.RESIDENT, phone="13800000002")


@pytest.fixture
def officer(units) -> User:
    return person("officer", units["room"], Role.OFFICER, full_name="王小明")


@pytest.fixture
def other_officer(units) -> User:
    return person("other_officer", units["other_room"], Role.OFFICER, full_name="赵六")


@pytest.fixture
def street_staff(units) -> User:
    return person("street", units["street"], Role.STREET_STAFF, full_name="钱七")


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client
