"""Opening hours of the demo police rooms and the duty roster that covers them.

Every opening interval of every day gets a primary shift and a backup shift, held in turn by the
room's named officer and backup officer. 24-hour rooms run a day shift (08:00–20:00) and a night
shift (20:00–08:00), so a roster that starts with yesterday's night shift covers today from
midnight.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from linli.people.models import Shift, Unit

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ROSTER_DAYS = 28

Hours = dict[str, list[list[str]]]


def _every_day(*intervals: tuple[str, str]) -> Hours:
    return {day: [list(i) for i in intervals] for day in WEEKDAYS}


ROUND_THE_CLOCK: Hours = _every_day(("00:00", "24:00"))
LONG_HOURS: Hours = _every_day(("07:00", "22:00"))
OFFICE_HOURS: Hours = {
    **{day: [["08:30", "12:00"], ["13:30", "17:30"]] for day in WEEKDAYS[:5]},
    "sat": [["09:00", "12:00"]],
    "sun": [],
}
EXTENDED_HOURS: Hours = {
    **{day: [["08:30", "20:30"]] for day in WEEKDAYS[:5]},
    "sat": [["09:00", "17:00"]],
    "sun": [["09:00", "17:00"]],
}
# Most rooms are open long: the roster must show who answers at any hour.
HOURS_CYCLE: tuple[Hours, ...] = (
    ROUND_THE_CLOCK,
    LONG_HOURS,
    ROUND_THE_CLOCK,
    EXTENDED_HOURS,
    ROUND_THE_CLOCK,
    OFFICE_HOURS,
)


@dataclass(frozen=True)
class RoomDuty:
    unit_id: int
    hours: Hours
    named_officer_id: int
    backup_officer_id: int


def _local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _at(day: date, hhmm: str) -> datetime:
    hours, minutes = (int(part) for part in hhmm.split(":"))
    moment = datetime.combine(day, time(0), tzinfo=_local_zone())
    return moment + timedelta(hours=hours, minutes=minutes)


def is_round_the_clock(hours: Hours) -> bool:
    return all(hours.get(day) == [["00:00", "24:00"]] for day in WEEKDAYS)


def duty_windows(hours: Hours, day: date) -> Iterator[tuple[datetime, datetime]]:
    """The shifts that cover ``day``'s opening hours (a 24h room's night shift runs into the
    next morning). Intervals longer than ten hours are split in two."""
    if is_round_the_clock(hours):
        yield _at(day, "08:00"), _at(day, "20:00")
        yield _at(day, "20:00"), _at(day + timedelta(days=1), "08:00")
        return
    for opens, closes in hours.get(WEEKDAYS[day.weekday()], []):
        start, end = _at(day, opens), _at(day, closes)
        if end - start > timedelta(hours=10):
            middle = start + (end - start) / 2
            yield start, middle
            yield middle, end
        else:
            yield start, end


def shifts_for(room: RoomDuty, first_day: date, last_day: date) -> list[Shift]:
    """Primary and backup shifts for every day from ``first_day`` to ``last_day`` inclusive."""
    shifts = []
    day = first_day
    while day <= last_day:
        for turn, (starts_at, ends_at) in enumerate(duty_windows(room.hours, day)):
            officers = (room.named_officer_id, room.backup_officer_id)
            primary, backup = officers if (day.toordinal() + turn) % 2 == 0 else officers[::-1]
            shifts.append(
                Shift(
                    unit_id=room.unit_id,
                    officer_id=primary,
                    post=Shift.Post.PRIMARY,
                    starts_at=starts_at,
                    ends_at=ends_at,
                )
            )
            shifts.append(
                Shift(
                    unit_id=room.unit_id,
                    officer_id=backup,
                    post=Shift.Post.BACKUP,
                    starts_at=starts_at,
                    ends_at=ends_at,
                )
            )
        day += timedelta(days=1)
    return shifts


def roster_end(today: date) -> date:
    """The last duty day a fresh roster must hold: four weeks from today, and one more day so
    that 'now + 28 days' is covered whatever the hour."""
    return today + timedelta(days=ROSTER_DAYS + 1)


def build_roster(rooms: list[RoomDuty], *, first_day: date, last_day: date) -> int:
    """Write the shifts of ``first_day`` … ``last_day``, leaving out any already held."""
    shifts = [shift for room in rooms for shift in shifts_for(room, first_day, last_day)]
    held = set(
        Shift.objects.filter(
            unit_id__in=[room.unit_id for room in rooms],
            starts_at__gte=_at(first_day, "00:00"),
        ).values_list("unit_id", "post", "starts_at")
    )
    missing = [s for s in shifts if (s.unit_id, s.post, s.starts_at) not in held]
    Shift.objects.bulk_create(missing, batch_size=2000)
    return len(missing)


def demo_rooms(units: list[Unit]) -> list[RoomDuty]:
    rooms = []
    for unit in units:
        room = unit.police_room
        if room.named_officer_id is None or room.backup_officer_id is None:
            continue
        rooms.append(RoomDuty(unit.pk, room.hours, room.named_officer_id, room.backup_officer_id))
    return rooms


def extend_roster(units: list[Unit], today: date | None = None) -> int:
    """Add duty days to the demo rooms' roster so it reaches four weeks from ``today`` again.
    Returns the number of shifts added (0 when the roster already reaches far enough)."""
    today = today or timezone.localdate()
    last_start = Shift.objects.filter(unit__in=units).aggregate(last=Max("starts_at"))["last"]
    if last_start is None:
        last_covered = today - timedelta(days=2)
    else:
        # A night shift belongs to the day it starts on, which is the last duty day held.
        last_covered = timezone.localtime(last_start, _local_zone()).date()
    last_day = roster_end(today)
    if last_covered >= last_day:
        return 0
    # The last day held may be cut short (shifts removed by hand): it is filled in too.
    first_day = max(last_covered, today - timedelta(days=1))
    return build_roster(demo_rooms(units), first_day=first_day, last_day=last_day)
