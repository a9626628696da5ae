"""The demo accounts: one family per role, named after it (``officer1``, ``volunteer1101`` …),
all with the one demo password, all marked ``is_demo``."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password

from linli.core.crypto import blind_index
from linli.core.identifiers import citizen_id_check_char
from linli.people.models import Membership, Role, Unit, User
from linli.web.demo import DEMO_PASSWORD, DISTRICT_CODE, names
from linli.web.demo.city import City

RESIDENTS = 20
VOLUNTEERS = 1128
# Fictional mobile numbers: 1380000xxxx for residents, one block of 10,000 per family.
PHONE_BLOCKS = {
    "resident": 0,
    "officer": 1,
    "auxiliary": 2,
    "traffic": 3,
    "gridworker": 4,
    "volunteer": 5,
    "staff": 9,
}


@dataclass
class Roll:
    """Users and memberships waiting to be written together."""

    password: str
    rng: random.Random
    users: list[User] = field(default_factory=list)
    grants: list[tuple[str, Unit, str]] = field(default_factory=list)  # username, unit, role
    counters: dict[str, int] = field(default_factory=dict)
    phones: dict[int, int] = field(default_factory=dict)  # block → numbers handed out

    def add(
        self,
        family: str,
        unit: Unit,
        role: str,
        *,
        phone_block: str | None = None,
        **extra: object,
    ) -> str:
        number = self.counters.get(family, 0) + 1
        self.counters[family] = number
        username = family if family == "admin" else f"{family}{number}"
        block = PHONE_BLOCKS[phone_block or family]
        self.phones[block] = self.phones.get(block, 0) + 1
        phone = f"138{block:04d}{self.phones[block]:04d}"
        self.users.append(
            User(
                username=username,
                password=self.password,
                full_name=names.person_name(self.rng),
                phone=phone,
                phone_index=blind_index(phone, purpose="phone"),
                is_demo=True,
                **extra,
            )
        )
        self.grants.append((username, unit, role))
        return username


def demo_id_number(rng: random.Random, serial: int) -> str:
    """A valid 18-digit citizen ID number in the fictional district (GB 11643)."""
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(55 * 365))
    first17 = f"{DISTRICT_CODE}{born:%Y%m%d}{serial:03d}"
    return first17 + citizen_id_check_char(first17)


def enrol(city: City, rng: random.Random) -> tuple[Roll, dict[str, tuple[int, int]]]:
    """Create every demo user and membership. Returns the roll and, per police-room unit code,
    the ids of its named officer and backup officer."""
    roll = Roll(password=make_password(DEMO_PASSWORD), rng=rng)
    room_officers: dict[str, tuple[str, str]] = {}
    for room in city.rooms:
        unit = city.units[room.unit_code]
        named = roll.add("officer", unit, Role.OFFICER)
        backup = roll.add("officer", unit, Role.OFFICER)
        room_officers[room.unit_code] = (named, backup)
    for room in city.rooms:
        roll.add("auxiliary", city.units[room.unit_code], Role.AUXILIARY)
    for squad in city.squads:
        for _ in range(2):
            roll.add("traffic", squad, Role.TRAFFIC_OFFICER)
    _enrol_community_people(city, roll, rng)
    _enrol_staff(city, roll)
    ids = _write(roll)
    return roll, {code: (ids[a], ids[b]) for code, (a, b) in room_officers.items()}


def _enrol_community_people(city: City, roll: Roll, rng: random.Random) -> None:
    communities = [c for street in city.district.children for c in street.children]
    for community, committee in zip(communities, city.committees, strict=True):
        for _ in community.children:
            roll.add("gridworker", committee, Role.GRID_WORKER)
    weights = [sum(len(g.children) for g in c.children) + 10 for c in communities]
    whole = sum(weights)
    shares = [VOLUNTEERS * w // whole for w in weights]
    for index in range(VOLUNTEERS - sum(shares)):
        shares[index % len(shares)] += 1
    for committee, share in zip(city.committees, shares, strict=True):
        for _ in range(share):
            roll.add("volunteer", committee, Role.VOLUNTEER)
    big_street_committees = city.committees[: len(city.district.children[0].children)]
    for number in range(1, RESIDENTS + 1):
        id_number = demo_id_number(rng, 100 + number)
        roll.add(
            "resident",
            big_street_committees[(number - 1) % len(big_street_committees)],
            Role.RESIDENT,
            id_number=id_number,
            id_number_index=blind_index(id_number, purpose="id_number"),
            is_real_name=True,
        )


def _enrol_staff(city: City, roll: Roll) -> None:
    for office in city.street_offices:
        roll.add("street", office, Role.STREET_STAFF, phone_block="staff")
    office = city.units[f"{DISTRICT_CODE}-office"]
    roll.add("district", office, Role.DISTRICT_STAFF, phone_block="staff")
    for department in city.departments:
        roll.add("department", department, Role.DEPARTMENT_STAFF, phone_block="staff")
    command = city.units[f"{DISTRICT_CODE}-command"]
    roll.add("commander", command, Role.COMMANDER, phone_block="staff")
    # the clerk at the bureau's service-hall window, who handles online applications
    roll.add(
        "clerk", city.units[f"{DISTRICT_CODE}-police"], Role.DISTRICT_STAFF, phone_block="staff"
    )
    roll.add(
        "admin",
        command,
        Role.ADMINISTRATOR,
        phone_block="staff",
        is_staff=True,
        is_superuser=True,
    )


def _write(roll: Roll) -> dict[str, int]:
    User.objects.bulk_create(roll.users, batch_size=500)
    usernames = [user.username for user in roll.users]
    ids = dict(User.objects.filter(username__in=usernames).values_list("username", "id"))
    Membership.objects.bulk_create(
        [Membership(user_id=ids[name], unit=unit, role=role) for name, unit, role in roll.grants],
        batch_size=1000,
    )
    return ids
