"""Loads the demo city once, in one transaction, and lists its accounts."""

from __future__ import annotations

import random
import re
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from tqdm import tqdm

from linli.booking.demo import load_demo_booking
from linli.cases.demo import load_demo_cases
from linli.hall.demo import load_demo_certificates
from linli.identity.demo import load_demo_consultations
from linli.people.models import Membership, Unit, User
from linli.places.models import Area
from linli.web.demo import DEMO_PASSWORD, DISTRICT_CODE, SEED, roster


class Writer(Protocol):
    """Where messages go: a management command's stdout or any text stream."""

    def write(self, text: str, /) -> object: ...


# The order in which account families are listed, most powerful first.
FAMILIES = (
    "admin",
    "commander",
    "clerk",
    "district",
    "department",
    "street",
    "officer",
    "auxiliary",
    "traffic",
    "gridworker",
    "volunteer",
    "resident",
)


@dataclass
class AccountRow:
    accounts: str  # "officer1 … officer144"
    role: str
    unit: str  # the unit of the first account of the family


@dataclass
class DemoSummary:
    loaded: bool  # True when this call built the city; False when it was already there
    seconds: float
    areas: dict[str, int] = field(default_factory=dict)  # level → count
    police_stations: int = 0
    police_rooms: int = 0
    traffic_squads: int = 0
    departments: int = 0
    organisations: int = 0
    volunteers: int = 0
    users: int = 0
    shifts_added: int = 0
    accounts: list[AccountRow] = field(default_factory=list)


def demo_is_loaded() -> bool:
    """One indexed lookup: the fictional district exists only if the demo was loaded."""
    return Area.objects.filter(code=DISTRICT_CODE).exists()


def demo_room_units() -> list[Unit]:
    return list(
        Unit.objects.filter(
            kind=Unit.Kind.POLICE_ROOM, code__startswith=DISTRICT_CODE
        ).select_related("police_room")
    )


def build_demo_city(stdout: Writer, *, progress: bool | None = None) -> DemoSummary:
    """Generate and write the whole demo city into an empty database, all or nothing.
    ``progress`` shows a bar on stderr (by default only when it is a terminal)."""
    # Imported here: shapely and numpy are not needed when the demo is already loaded.
    from linli.web.demo import accounts, city, geometry

    started = time.monotonic()
    rng = random.Random(SEED)
    steps = tqdm(
        total=5,
        desc=_("Building the demo city"),
        disable=None if progress is None else not progress,
        unit=_("step"),
    )
    with steps, transaction.atomic():
        steps.set_postfix_str(_("areas"))
        district = geometry.plan_district()
        steps.update()
        area_ids = city.write_areas(district)
        steps.set_postfix_str(_("units"))
        steps.update()
        rooms = city.plan_rooms(district, rng)
        the_city = city.write_units(district, rooms, rng)
        the_city.area_ids = area_ids
        steps.set_postfix_str(_("accounts"))
        steps.update()
        roll, officers = accounts.enrol(the_city, rng)
        city.write_police(the_city, rng, officers)
        steps.set_postfix_str(_("duty roster"))
        steps.update()
        today = timezone.localdate()
        shifts = roster.build_roster(
            roster.demo_rooms(demo_room_units()),
            first_day=today - timedelta(days=1),
            last_day=roster.roster_end(today),
        )
        load_demo_booking()
        load_demo_consultations()
        load_demo_certificates()
        steps.update()
    levels = Counter(plan.level for plan in district.walk())
    summary = DemoSummary(
        loaded=True,
        seconds=time.monotonic() - started,
        areas=dict(levels),
        police_stations=len(district.children),
        police_rooms=len(rooms),
        traffic_squads=len(the_city.squads),
        departments=len(the_city.departments),
        organisations=the_city.organisations,
        volunteers=roll.counters["volunteer"],
        users=len(roll.users),
        shifts_added=shifts,
        accounts=account_rows(),
    )
    stdout.write(
        _(
            "Demo city loaded in %(seconds).1f s: %(areas)d areas, %(rooms)d police rooms, "
            "%(users)d accounts, %(shifts)d duty shifts.\n"
        )
        % {
            "seconds": summary.seconds,
            "areas": sum(levels.values()),
            "rooms": summary.police_rooms,
            "users": summary.users,
            "shifts": shifts,
        }
    )
    return summary


def load_demo(stdout: Writer, *, progress: bool | None = None) -> DemoSummary:
    """Build the demo city unless it is there; either way keep its roster four weeks ahead."""
    if not demo_is_loaded():
        summary = build_demo_city(stdout, progress=progress)
        cases = load_demo_cases()
        stdout.write(_("%(count)d demo cases reported and handled.\n") % {"count": cases})
        return summary
    started = time.monotonic()
    with transaction.atomic():
        added = roster.extend_roster(demo_room_units())
        load_demo_booking()
        load_demo_consultations()
        load_demo_certificates()
    summary = DemoSummary(
        loaded=False,
        seconds=time.monotonic() - started,
        shifts_added=added,
        accounts=account_rows(),
    )
    stdout.write(_("The demo city is already loaded.\n"))
    if added:
        stdout.write(
            _("Duty roster extended to four weeks from today (%(count)d shifts).\n")
            % {"count": added}
        )
    return summary


def account_rows() -> list[AccountRow]:
    """One row per account family: its range of usernames, role and first unit."""
    usernames = User.objects.filter(is_demo=True).values_list("username", flat=True)
    counts = Counter(re.sub(r"\d+$", "", name) for name in usernames)
    firsts = [f if f == "admin" else f"{f}1" for f in FAMILIES if counts.get(f)]
    first_memberships = {
        m.user.username: m
        for m in Membership.objects.filter(user__username__in=firsts).select_related("user", "unit")
    }
    rows = []
    for family in FAMILIES:
        count = counts.get(family, 0)
        first = family if family == "admin" else f"{family}1"
        membership = first_memberships.get(first)
        if not count or membership is None:
            continue
        names = first if count == 1 else f"{first} … {family}{count}"
        rows.append(AccountRow(names, str(membership.get_role_display()), membership.unit.name))
    return rows


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def write_accounts(stdout: Writer, rows: list[AccountRow]) -> None:
    """The accounts table, padded for wide (Chinese) characters too, and the password."""
    header = AccountRow(_("Accounts"), _("Role"), _("Unit"))
    table = [header, *rows]
    widths = [max(_width(getattr(r, col)) for r in table) for col in ("accounts", "role")]
    for row in table:
        cells = [row.accounts, row.role]
        padded = [cell + " " * (w - _width(cell)) for cell, w in zip(cells, widths, strict=True)]
        stdout.write("  ".join([*padded, row.unit]).rstrip() + "\n")
    stdout.write(_("Password for every demo account: %(password)s\n") % {"password": DEMO_PASSWORD})
