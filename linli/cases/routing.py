"""Which unit handles a case: category × place × tier.

Administrators' routing rules come first, the most specific winning (longest category prefix,
then longest area prefix, then a rule for this very tier over one for any tier). Without a rule:

- police matters: the police room of the micro-grid, then its station, then the district bureau;
- ``traffic.*``: the traffic squad covering the place at every tier;
- everything else: the community committee, then the street office (a street leader owns the
  case), then the district department for the category (the unit whose ``department`` key the
  category names), or the district office where there is no such department.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from linli.cases.models import Category, RoutingRule, Tier
from linli.people.models import Unit
from linli.places.locate import RoomRef
from linli.places.models import CODE_LENGTH, Level, TrafficSquad


class RoutingError(Exception):
    """No unit is configured to handle this category at this place and tier."""


@dataclass(frozen=True)
class Place:
    area_code: str
    police_room: RoomRef | None


def prefixes(value: str, *, sep: str | None = None) -> list[str]:
    """'a.b.c' -> ['', 'a', 'a.b', 'a.b.c'] (sep='.'); '330499001' -> every digit prefix."""
    if sep:
        parts = value.split(sep)
        return ["", *(sep.join(parts[: i + 1]) for i in range(len(parts)))]
    return [value[:i] for i in range(len(value) + 1)]


# --- the routing table, held in each process ------------------------------------------------
#
# Every intake routes, so the rules, the active units and the traffic squads' areas are read
# once and kept (a few thousand rows for a whole district). A save or delete of any of them in
# this process drops the copy at once (signals, see apps.py); a change made by another process
# is seen within ``TABLE_SECONDS``.

TABLE_SECONDS = 30.0


@dataclass
class _Table:
    loaded: float
    categories: dict[str, Category]  # active ones, by code
    rules: dict[tuple[str, str, str], RoutingRule]  # (category prefix, area prefix, tier)
    units: dict[int, Unit]  # active ones
    by_area: dict[tuple[str, str], Unit]  # (kind, area code) -> the active unit with lowest id
    departments: dict[tuple[str, str], Unit]  # (department key, area code) -> lowest id
    squads: dict[str, list[tuple[int, Unit]]] = field(default_factory=dict)  # area -> squads


_table: _Table | None = None
_lock = threading.Lock()


def forget() -> None:
    """Drop this process's copy of the routing table (after any change to what it holds)."""
    global _table
    _table = None


def _load() -> _Table:
    units = {u.pk: u for u in Unit.objects.filter(is_active=True).order_by("-id")}
    table = _Table(
        loaded=time.monotonic(),
        categories={c.code: c for c in Category.objects.filter(is_active=True)},
        rules={
            (r.category_prefix, r.area_prefix, r.tier): r
            for r in RoutingRule.objects.filter(unit__is_active=True).select_related("unit")
        },
        units=units,
        by_area={(u.kind, u.area_code): u for u in units.values()},  # lowest id written last
        departments={
            (u.department, u.area_code): u
            for u in units.values()
            if u.kind == Unit.Kind.DISTRICT_DEPARTMENT and u.department
        },
    )
    for squad_id, unit, area in TrafficSquad.objects.values_list("id", "unit", "areas__code"):
        if area is not None and unit in units:
            table.squads.setdefault(area, []).append((squad_id, units[unit]))
    return table


def _current() -> _Table:
    global _table
    table = _table
    if table is None or time.monotonic() - table.loaded > TABLE_SECONDS:
        with _lock:
            table = _table
            if table is None or time.monotonic() - table.loaded > TABLE_SECONDS:
                table = _table = _load()
    return table


def category(code: str) -> Category | None:
    """The active category with this code."""
    return _current().categories.get(code)


def family(top: str) -> list[int]:
    """The ids of the active category ``top`` and every category under it."""
    below = top + "."
    return [
        c.pk for code, c in _current().categories.items() if code == top or code.startswith(below)
    ]


def _rule_for(category: Category, area_code: str, tier: str) -> RoutingRule | None:
    rules = _current().rules
    best: tuple[tuple[int, int, bool], RoutingRule] | None = None
    for depth, category_prefix in enumerate(prefixes(category.code, sep=".")):
        for area_prefix in prefixes(area_code):
            for rule_tier in ("", tier):
                rule = rules.get((category_prefix, area_prefix, rule_tier))
                rank = (depth, len(area_prefix), rule_tier == tier)
                if rule is not None and (best is None or rank > best[0]):
                    best = (rank, rule)
    return best[1] if best else None


def _unit_at(kind: Unit.Kind, area_code: str, level: Level) -> Unit | None:
    return _current().by_area.get((kind, area_code[: CODE_LENGTH[level]]))


def _longest_prefix(units: dict[tuple[str, str], Unit], key: str, area_code: str) -> Unit | None:
    """The unit filed under ``(key, area)`` for the longest area that is a prefix of
    ``area_code``."""
    for prefix in reversed(prefixes(area_code)[1:]):
        unit = units.get((key, prefix))
        if unit is not None:
            return unit
    return None


def _covering_unit(kind: Unit.Kind, area_code: str) -> Unit | None:
    """The active unit of ``kind`` whose area is the longest prefix of ``area_code``."""
    return _longest_prefix(_current().by_area, kind, area_code)


def _department(key: str, area_code: str) -> Unit | None:
    """The active district department with this key whose area is the longest prefix."""
    return _longest_prefix(_current().departments, key, area_code)


def _traffic_squad(area_code: str) -> Unit | None:
    squads = _current().squads
    found = [squad for prefix in prefixes(area_code)[1:] for squad in squads.get(prefix, [])]
    return min(found, key=lambda squad: squad[0])[1] if found else None


def _default(category: Category, place: Place, tier: str) -> Unit | None:
    code = place.area_code
    if category.code.split(".")[0] == "traffic":
        return _traffic_squad(code) or _covering_unit(Unit.Kind.POLICE_BUREAU, code)
    if category.police_matter:
        room = place.police_room
        if tier == Tier.COMMUNITY and room is not None:
            return _current().units.get(room.unit_id)
        if tier in (Tier.COMMUNITY, Tier.STREET) and room is not None:
            return _current().units.get(room.station_unit_id)
        return _covering_unit(Unit.Kind.POLICE_BUREAU, code)
    if tier == Tier.COMMUNITY:
        return _unit_at(Unit.Kind.COMMUNITY_COMMITTEE, code, Level.COMMUNITY)
    if tier == Tier.STREET:
        return _unit_at(Unit.Kind.STREET_OFFICE, code, Level.STREET)
    department = _department(category.department, code) if category.department else None
    return department or _covering_unit(Unit.Kind.DISTRICT_OFFICE, code)


def route(category: Category, place: Place, tier: str) -> Unit:
    rule = _rule_for(category, place.area_code, tier)
    if rule is not None:
        return rule.unit
    unit = _default(category, place, tier)
    if unit is None:
        unit = _covering_unit(Unit.Kind.COMMAND_CENTRE, place.area_code)
    if unit is None:
        raise RoutingError(
            _("No unit handles %(category)s at %(area)s (%(tier)s tier).")
            % {"category": category.code, "area": place.area_code, "tier": tier}
        )
    return unit
