"""Weekly opening hours of police rooms and service points.

Stored as JSON: ``{"mon": [["08:30", "17:30"]], ..., "sun": []}``; a room open round the clock has
``[["00:00", "24:00"]]`` every day. Missing days are closed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

Hours = dict[str, list[list[str]]]


class HoursError(ValueError):
    pass


def _minutes(text: str) -> int:
    try:
        hh, mm = text.split(":")
        value = int(hh) * 60 + int(mm)
    except (ValueError, AttributeError):
        raise HoursError(_("%(value)s is not a time of day (HH:MM).") % {"value": text}) from None
    if not 0 <= value <= 24 * 60 or not 0 <= int(mm) < 60:
        raise HoursError(_("%(value)s is not a time of day (HH:MM).") % {"value": text})
    return value


def validate(hours: Any) -> Hours:
    """Check the JSON shape; returns it unchanged or raises HoursError naming the problem."""
    if not isinstance(hours, dict):
        raise HoursError(_("Opening hours must map days (mon…sun) to lists of periods."))
    for day, periods in hours.items():
        if day not in DAYS:
            raise HoursError(_("Unknown day %(day)s: use mon, tue, … sun.") % {"day": day})
        if not isinstance(periods, list):
            raise HoursError(_("The periods of %(day)s must be a list.") % {"day": day})
        for period in periods:
            if not (isinstance(period, list) and len(period) == 2):
                raise HoursError(_("A period is a pair [opens, closes]."))
            if _minutes(period[0]) >= _minutes(period[1]):
                raise HoursError(_("A period must close after it opens (%(day)s).") % {"day": day})
    return hours


def is_open(hours: Hours, at: datetime | None = None) -> bool:
    local = timezone.localtime(at or timezone.now())
    now = local.hour * 60 + local.minute
    for opens, closes in hours.get(DAYS[local.weekday()], []):
        if _minutes(opens) <= now < _minutes(closes):
            return True
    return False


def is_round_the_clock(hours: Hours) -> bool:
    return all(hours.get(day) == [["00:00", "24:00"]] for day in DAYS)


def _day_names() -> dict[str, str]:
    return {
        "mon": _("Mon"),
        "tue": _("Tue"),
        "wed": _("Wed"),
        "thu": _("Thu"),
        "fri": _("Fri"),
        "sat": _("Sat"),
        "sun": _("Sun"),
    }


def describe(hours: Hours) -> str:
    """'Mon–Fri 08:30–17:30; Sat 09:00–12:00', '24 hours', or 'Closed'."""
    if is_round_the_clock(hours):
        return _("Open 24 hours")
    names = _day_names()
    runs: list[tuple[str, str, str]] = []  # (first day, last day, periods text)
    for day in DAYS:
        periods = hours.get(day) or []
        if not periods:
            continue
        text = ", ".join(f"{o}–{c}" for o, c in periods)
        if runs and runs[-1][2] == text and DAYS.index(runs[-1][1]) == DAYS.index(day) - 1:
            runs[-1] = (runs[-1][0], day, text)
        else:
            runs.append((day, day, text))
    if not runs:
        return _("Closed")
    parts = []
    for first, last, text in runs:
        label = names[first] if first == last else f"{names[first]}–{names[last]}"
        parts.append(f"{label} {text}")
    return "; ".join(parts)
