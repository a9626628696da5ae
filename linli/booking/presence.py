"""Proof that the holder of a remote queue number is at the service point when they check in
on their phone (see docs/decisions.md, "Checking in at the hall").

Either proof will do: the check-in code shown on the hall's screen (six digits that change
every ``CODE_STEP``; the screen shows it as a QR code to scan), or the phone's position within
``NEAR_METRES`` of the point, when the point's position is on record. Staff of the point need
neither: they see the visitor at the window."""

from __future__ import annotations

import hmac
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from linli.booking.actions import BookingError
from linli.booking.models import ServicePoint
from linli.core import ratelimit
from linli.people.models import User

CODE_STEP = timedelta(minutes=5)
CODE_DIGITS = 6
# Phones indoors often place themselves 50–200 m off; a hall is a large building. Farther than
# this is not "at the hall".
NEAR_METRES = 300
ATTEMPTS = "10/10m"  # per resident: six digits cannot be guessed in ten tries


@dataclass(frozen=True)
class Presence:
    """What the phone sent: the code typed or scanned, and/or its position (WGS 84)."""

    code: str = ""
    lon: float | None = None
    lat: float | None = None


def _step(moment: datetime) -> int:
    return int(moment.timestamp() // CODE_STEP.total_seconds())


def hall_code(point: ServicePoint, moment: datetime) -> str:
    """The code the point's screen shows at ``moment``: an HMAC of the point and the time step
    under the server's secret key, so it can be neither predicted nor reused for long."""
    value = f"{point.pk}:{_step(moment)}"
    mac = salted_hmac("linli.booking.check-in-code", value, algorithm="sha256")
    number = int.from_bytes(mac.digest()[:8], "big") % 10**CODE_DIGITS
    return f"{number:0{CODE_DIGITS}d}"


def code_is_current(point: ServicePoint, code: str, now: datetime) -> bool:
    """The code shown now, or the one just before it (scanned as the screen changed)."""
    shown = [hall_code(point, now), hall_code(point, now - CODE_STEP)]
    return any(hmac.compare_digest(code, c) for c in shown)


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine) in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(a))


def parse(code: str, lon: str, lat: str) -> Presence:
    """What a form posted: empty position fields mean no position; anything else must be a
    number (its range is checked by ``proven``)."""
    numbers: dict[str, float | None] = {}
    for name, raw in (("lon", lon.strip()), ("lat", lat.strip())):
        try:
            numbers[name] = float(raw) if raw else None
        except ValueError:
            raise BookingError(_("Enter a number."), field=name) from None
    return Presence(code=code.strip(), lon=numbers["lon"], lat=numbers["lat"])


def _check_code(point: ServicePoint, code: str, now: datetime) -> None:
    if not (len(code) == CODE_DIGITS and code.isascii() and code.isdigit()):
        message = _("The check-in code is the %(digits)d digits shown on the screen at the hall.")
        raise BookingError(message % {"digits": CODE_DIGITS}, field="code")
    if not code_is_current(point, code, now):
        message = _("This is not the check-in code shown at the hall now; scan it again.")
        raise BookingError(message, field="code", status=403)


def _check_position(point: ServicePoint, lon: float | None, lat: float | None) -> int:
    for name, value, limit in (("lon", lon, 180), ("lat", lat, 90)):
        if value is None:
            raise BookingError(_("Send both longitude and latitude."), field=name)
        if not (math.isfinite(value) and -limit <= value <= limit):
            message = _("Enter a number between -%(limit)d and %(limit)d.")
            raise BookingError(message % {"limit": limit}, field=name)
    assert lon is not None and lat is not None  # for mypy: checked just above
    if point.lon is None or point.lat is None:
        message = _(
            "This service point has no position on record: enter the check-in code shown on "
            "the screen at the hall."
        )
        raise BookingError(message, field="code")
    metres = round(distance_m(lon, lat, point.lon, point.lat))
    if metres > NEAR_METRES:
        message = _(
            "You are %(metres)d m from the service point: check in when you are there, or "
            "enter the code shown on the screen at the hall."
        )
        raise BookingError(message % {"metres": metres}, field="lon", status=403)
    return metres


def _missing(point: ServicePoint) -> BookingError:
    if point.lon is None or point.lat is None:
        message = _("Enter the check-in code shown on the screen at the hall.")
    else:
        message = _(
            "Share your location at the hall, or enter the check-in code shown on its screen."
        )
    return BookingError(message, field="code")


def proven(
    point: ServicePoint, presence: Presence, *, actor: User | None, now: datetime
) -> dict[str, str | int]:
    """How the holder proved they are at ``point`` (for the audit event), or a ``BookingError``
    naming the field at fault. A code, when given, is checked alone; else the position."""
    if not presence.code and presence.lon is None and presence.lat is None:
        raise _missing(point)
    key = str(actor.pk) if actor is not None else "anonymous"
    if not ratelimit.hit("check-in", key, ATTEMPTS):
        message = _("Too many check-in attempts: wait a few minutes, or ask at the window.")
        raise BookingError(message, field="code", status=429)
    if presence.code:
        _check_code(point, presence.code, now)
        return {"by": "code"}
    metres = _check_position(point, presence.lon, presence.lat)
    return {"by": "position", "metres": metres}
