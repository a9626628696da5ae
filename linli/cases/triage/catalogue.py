"""The case category tree, read from `linli/cases/data/categories.json`.

The file is plain data so that it can be edited without code and loaded into a model later;
this module turns it into frozen dataclasses and refuses a file that is inconsistent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
CATEGORIES_FILE = DATA_DIR / "categories.json"

# The people app's Unit.Kind values that may handle a case first. Kept as strings here so that
# the catalogue stays plain data; a test checks they are real Unit.Kind values.
UNIT_KINDS = frozenset(
    {
        "police_room",
        "police_station",
        "traffic_squad",
        "district_department",
        "community_committee",
        "street_office",
        "social_organisation",
    }
)
TIERS = ("community", "street", "district")
EMERGENCY_NUMBERS = frozenset({"110", "119", "120", "122"})
_CODE = re.compile(r"^[a-z][a-z_]*(\.[a-z][a-z_]*)?$")


@cache  # triage asks it a few hundred times per text, of a few hundred codes
def top_of(code: str) -> str:
    """The top-level code of a (sub)category code: "traffic" for "traffic.zombie_car"."""
    return code.split(".", 1)[0]


_OPEN311 = re.compile(r"^LL-[A-Z0-9-]+$")
_REQUIRED = (
    "code",
    "name_zh",
    "name_en",
    "police_matter",
    "unit_kind",
    "department",
    "deadlines",
    "urgent",
    "private",
    "open311_code",
    "keywords",
)


class CatalogueError(ValueError):
    """The category file is inconsistent; the message names the category and the field."""


@dataclass(frozen=True)
class Department:
    key: str
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class Category:
    code: str
    name_zh: str
    name_en: str
    police_matter: bool
    unit_kind: str
    department: str | None
    deadlines: dict[str, int]  # tier -> working days
    urgent: bool
    private: bool
    open311_code: str
    keywords: tuple[str, ...] = ()
    emergency_numbers: tuple[str, ...] = ()

    @property
    def top(self) -> str:
        return top_of(self.code)

    @property
    def is_top(self) -> bool:
        return "." not in self.code

    def deadline_days(self, tier: str) -> int:
        return self.deadlines[tier]


@dataclass(frozen=True)
class Catalogue:
    categories: dict[str, Category]
    departments: dict[str, Department] = field(default_factory=dict)

    def __getitem__(self, code: str) -> Category:
        return self.categories[code]

    def __contains__(self, code: object) -> bool:
        return code in self.categories

    def __iter__(self) -> Iterator[Category]:
        return iter(self.categories.values())

    def top_level(self) -> list[Category]:
        return [category for category in self if category.is_top]

    def children(self, top: str) -> list[Category]:
        return [c for c in self if not c.is_top and c.top == top]

    def by_open311_code(self, service_code: str) -> Category | None:
        return next((c for c in self if c.open311_code == service_code), None)

    @cached_property
    def keyword_index(self) -> dict[str, tuple[tuple[int, str, str, bool], ...]]:
        """What ``rules.keyword_hits`` matches at every intake, sorted out once: by the
        keyword's first character, each keyword's (category's place in the catalogue, category
        code, keyword, whether it is Latin). A text can only contain the keywords that start
        with one of its own characters."""
        index: dict[str, list[tuple[int, str, str, bool]]] = {}
        for place, c in enumerate(self):
            for k in c.keywords:
                index.setdefault(k[0], []).append((place, c.code, k, k.isascii()))
        return {first: tuple(entries) for first, entries in index.items()}


def parse(raw: dict[str, Any]) -> Catalogue:
    """Validate the decoded JSON document and build the catalogue."""
    if not isinstance(raw, dict) or not isinstance(raw.get("categories"), list):
        raise CatalogueError("the file must be an object with a 'categories' list")
    departments = _parse_departments(raw.get("departments", {}))
    categories: dict[str, Category] = {}
    open311_codes: set[str] = set()
    for index, entry in enumerate(raw["categories"]):
        category = _parse_category(entry, index, departments)
        if category.code in categories:
            raise CatalogueError(f"{category.code}: duplicate code")
        if category.open311_code in open311_codes:
            raise CatalogueError(f"{category.code}: duplicate open311_code")
        categories[category.code] = category
        open311_codes.add(category.open311_code)
    for category in categories.values():
        if not category.is_top and category.top not in categories:
            raise CatalogueError(f"{category.code}: parent {category.top!r} does not exist")
    return Catalogue(categories=categories, departments=departments)


def _parse_departments(raw: Any) -> dict[str, Department]:
    if not isinstance(raw, dict):
        raise CatalogueError("'departments' must be an object")
    departments = {}
    for key, names in raw.items():
        if not isinstance(names, dict) or not names.get("name_zh") or not names.get("name_en"):
            raise CatalogueError(f"department {key}: name_zh and name_en are required")
        departments[key] = Department(key=key, name_zh=names["name_zh"], name_en=names["name_en"])
    return departments


def _parse_category(entry: Any, index: int, departments: dict[str, Department]) -> Category:
    if not isinstance(entry, dict):
        raise CatalogueError(f"category #{index}: must be an object")
    label = entry.get("code", f"#{index}")
    missing = [name for name in _REQUIRED if name not in entry]
    if missing:
        raise CatalogueError(f"{label}: missing field(s) {', '.join(missing)}")
    code = entry["code"]
    _check(isinstance(code, str) and bool(_CODE.match(code)), label, "code", "a-z, one dot")
    for name in ("name_zh", "name_en"):
        _check(isinstance(entry[name], str) and bool(entry[name].strip()), label, name, "text")
    for name in ("police_matter", "urgent", "private"):
        _check(isinstance(entry[name], bool), label, name, "true or false")
    _check(entry["unit_kind"] in UNIT_KINDS, label, "unit_kind", "a Unit.Kind value")
    department = entry["department"]
    _check(department is None or department in departments, label, "department", "a key")
    _check(bool(_OPEN311.match(str(entry["open311_code"]))), label, "open311_code", "LL-…")
    return Category(
        code=code,
        name_zh=entry["name_zh"],
        name_en=entry["name_en"],
        police_matter=entry["police_matter"],
        unit_kind=entry["unit_kind"],
        department=department,
        deadlines=_parse_deadlines(entry["deadlines"], label),
        urgent=entry["urgent"],
        private=entry["private"],
        open311_code=entry["open311_code"],
        keywords=_parse_strings(entry["keywords"], label, "keywords"),
        emergency_numbers=_parse_numbers(entry.get("emergency_numbers", []), label),
    )


def _parse_deadlines(raw: Any, label: str) -> dict[str, int]:
    _check(isinstance(raw, dict) and set(raw) == set(TIERS), label, "deadlines", str(TIERS))
    for tier in TIERS:
        days = raw[tier]
        ok = isinstance(days, int) and not isinstance(days, bool) and days >= 1
        _check(ok, label, f"deadlines.{tier}", "working days ≥ 1")
    days_by_tier = [raw[tier] for tier in TIERS]
    _check(days_by_tier == sorted(days_by_tier), label, "deadlines", "non-decreasing by tier")
    return {tier: raw[tier] for tier in TIERS}


def _parse_strings(raw: Any, label: str, name: str) -> tuple[str, ...]:
    ok = isinstance(raw, list) and all(isinstance(item, str) and item.strip() for item in raw)
    _check(ok, label, name, "a list of non-empty strings")
    return tuple(item.strip().lower() for item in raw)


def _parse_numbers(raw: Any, label: str) -> tuple[str, ...]:
    numbers = _parse_strings(raw, label, "emergency_numbers")
    _check(set(numbers) <= EMERGENCY_NUMBERS, label, "emergency_numbers", "110/119/120/122")
    return numbers


def _check(condition: bool, label: str, name: str, expected: str) -> None:
    if not condition:
        raise CatalogueError(f"{label}: field {name} must be {expected}")


def load(path: Path = CATEGORIES_FILE) -> Catalogue:
    with path.open(encoding="utf-8") as handle:
        return parse(json.load(handle))


@cache
def catalogue() -> Catalogue:
    """The shipped catalogue, read once per process."""
    return load()
