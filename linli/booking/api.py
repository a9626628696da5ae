"""The booking API at /api/v1/booking/: points, slots, bookings, the live queue and tickets,
checking a ticket in on arrival, and a window calling the next number (its hall's staff)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import BeforeValidator

from linli.booking import actions, queue, schedule, stats
from linli.booking.actions import BookingError
from linli.booking.models import Booking, ServicePoint, Ticket, Window
from linli.booking.presence import Presence
from linli.core.access import get_visible_or_404_api
from linli.people.auth import session_or_token
from linli.people.models import STAFF_ROLES, Membership, User

router = Router(tags=["booking"])


def _fail(exc: BookingError) -> HttpError:
    error = HttpError(exc.status, exc.message)
    error.field = exc.field  # type: ignore[attr-defined]
    return error


def _bad(field: str, message: str) -> HttpError:
    return _fail(BookingError(message, field=field))


def _text_only(value: Any) -> Any:
    # pydantic reads a bare number as seconds since 1970; a booking time is always written out
    if not isinstance(value, str):
        raise ValueError(_("Give the time as text, such as 2030-01-07T09:00:00+08:00."))
    return value


# ISO 8601 text; without an offset it is local time (see _local below)
TimeText = Annotated[datetime, BeforeValidator(_text_only)]


class WindowOut(Schema):
    id: int
    number: int
    name: str
    matters: list[str]


class PointOut(Schema):
    id: int
    kind: str
    name: str
    address: str
    lon: float | None = Field(description="where it is (WGS 84); null when unknown")
    lat: float | None
    windows: list[WindowOut]


class SlotOut(Schema):
    starts_at: datetime
    ends_at: datetime
    capacity: int
    free: int


class SlotsOut(Schema):
    date: date
    open: bool
    slots: list[SlotOut]


class BookingIn(Schema):
    point: int
    starts_at: TimeText
    matter: str = Field("", max_length=32)
    officer: int | None = None


class BookingOut(Schema):
    id: int
    reference: str
    point: int
    starts_at: datetime
    matter: str
    status: str


class TicketIn(Schema):
    matter: str = Field("", max_length=32)
    remote: bool = True
    arrive_within_minutes: int = Field(60, ge=5, le=240)


class TicketOut(Schema):
    id: int
    label: str
    status: str
    arrive_by: datetime | None
    ahead: int
    wait_minutes: int


class CalledOut(Schema):
    window: int
    ticket: int
    label: str
    matter: str
    called_at: datetime


class WindowStateOut(Schema):
    number: int
    name: str
    matters: list[str]
    serving: str | None
    waiting: int
    wait_minutes: int


class QueueOut(Schema):
    point: int
    windows: list[WindowStateOut]


def _booking_out(booking: Booking) -> dict[str, Any]:
    return {
        "id": booking.pk,
        "reference": booking.reference,
        "point": booking.slot.point_id,
        "starts_at": timezone.localtime(booking.slot.starts_at),
        "matter": booking.matter,
        "status": booking.status,
    }


@router.get("/points", response=list[PointOut], summary="Service points and their windows")
def list_points(request: HttpRequest) -> Any:
    return ServicePoint.objects.filter(is_active=True).prefetch_related("windows")


@router.get("/points/{point_id}/slots", response=SlotsOut, summary="A day's slots")
def list_slots(request: HttpRequest, point_id: int, date: str = Query(...)) -> Any:
    try:
        day = datetime.strptime(date, "%Y-%m-%d").date()
    except ValueError:
        raise _bad("date", _("Enter a date as YYYY-MM-DD.")) from None
    point = get_object_or_404(ServicePoint, pk=point_id, is_active=True)
    slots = schedule.slots_for(point, day)
    rows = [
        {
            "starts_at": timezone.localtime(s.starts_at),
            "ends_at": timezone.localtime(s.ends_at),
            "capacity": s.capacity,
            "free": s.free,
        }
        for s in slots
    ]
    return {"date": day, "open": bool(slots), "slots": rows}


@router.post(
    "/bookings",
    auth=session_or_token(),
    response={201: BookingOut},
    summary="Book a place in a slot",
)
def create_booking(request: HttpRequest, payload: BookingIn) -> Any:
    point = ServicePoint.objects.filter(pk=payload.point, is_active=True).first()
    if point is None:
        raise _bad("point", _("There is no such service point."))
    officer = None
    if payload.officer is not None:
        officer = User.objects.filter(pk=payload.officer).first()
        if officer is None:
            raise _bad("officer", _("There is no such officer."))
    starts_at = payload.starts_at
    if timezone.is_naive(starts_at):  # a time without an offset is local time
        starts_at = timezone.make_aware(starts_at)
    try:
        booking = actions.book(
            person=request.auth,  # type: ignore[attr-defined]
            point=point,
            starts_at=starts_at,
            matter=payload.matter,
            officer=officer,
        )
    except BookingError as exc:
        raise _fail(exc) from exc
    return Status(201, _booking_out(booking))


@router.get("/bookings", auth=session_or_token(), response=list[BookingOut], summary="My bookings")
def my_bookings(request: HttpRequest) -> Any:
    rows = Booking.objects.filter(person=request.auth).select_related("slot")  # type: ignore[attr-defined]
    return [_booking_out(b) for b in rows[:100]]


@router.delete(
    "/bookings/{booking_id}", auth=session_or_token(), response=BookingOut, summary="Cancel"
)
def cancel_booking(request: HttpRequest, booking_id: int) -> Any:
    booking = get_object_or_404(
        Booking.objects.select_related("slot"),
        pk=booking_id,
        person=request.auth,  # type: ignore[attr-defined]
    )
    try:
        booking = actions.cancel(booking, actor=request.auth)  # type: ignore[attr-defined]
    except BookingError as exc:
        raise _fail(exc) from exc
    return _booking_out(booking)


class RescheduleIn(Schema):
    starts_at: TimeText


@router.patch(
    "/bookings/{booking_id}",
    auth=session_or_token(),
    response=BookingOut,
    summary="Move a booking to another slot of the same point",
)
def reschedule_booking(request: HttpRequest, booking_id: int, payload: RescheduleIn) -> Any:
    booking = get_object_or_404(
        Booking.objects.select_related("slot__point"),
        pk=booking_id,
        person=request.auth,  # type: ignore[attr-defined]
    )
    starts_at = payload.starts_at
    if timezone.is_naive(starts_at):
        starts_at = timezone.make_aware(starts_at)
    try:
        booking = actions.reschedule(
            booking,
            starts_at=starts_at,
            actor=request.auth,  # type: ignore[attr-defined]
        )
    except BookingError as exc:
        raise _fail(exc) from exc
    return _booking_out(booking)


def _queue(point: ServicePoint) -> dict[str, Any]:
    states = queue.board(point)
    return {
        "point": point.pk,
        "windows": [
            {
                "number": s.window.number,
                "name": s.window.name,
                "matters": s.window.matters,
                "serving": s.serving.label if s.serving else None,
                "waiting": s.waiting,
                "wait_minutes": round(s.wait.total_seconds() / 60),
            }
            for s in states
        ],
    }


@router.get("/points/{point_id}/queue", response=QueueOut, summary="The live queue")
def point_queue(request: HttpRequest, point_id: int) -> Any:
    return _queue(get_object_or_404(ServicePoint, pk=point_id, is_active=True))


@router.post(
    "/points/{point_id}/tickets",
    auth=session_or_token(),
    response={201: TicketOut},
    summary="Take a queue number",
)
def take_ticket(request: HttpRequest, point_id: int, payload: TicketIn) -> Any:
    point = get_object_or_404(ServicePoint, pk=point_id, is_active=True)
    try:
        ticket = queue.take_ticket(
            point=point,
            matter=payload.matter,
            person=request.auth,  # type: ignore[attr-defined]
            remote=payload.remote,
            arrive_within=timedelta(minutes=payload.arrive_within_minutes),
        )
    except BookingError as exc:
        raise _fail(exc) from exc
    return Status(201, ticket_out(ticket))


class CheckInIn(Schema):
    """The holder's proof of being at the hall: the code on its screen, or the phone's
    position (WGS 84). Staff of the hall send nothing."""

    code: str = Field("", max_length=12, description="the check-in code shown at the hall")
    lon: float | None = Field(None, ge=-180, le=180, allow_inf_nan=False)
    lat: float | None = Field(None, ge=-90, le=90, allow_inf_nan=False)


@router.post(
    "/tickets/{ticket_id}/check-in",
    auth=session_or_token(),
    response=TicketOut,
    summary="Check a remote number in on arrival (its holder at the hall, or staff of the hall)",
)
def check_in_ticket(request: HttpRequest, ticket_id: int, payload: CheckInIn | None = None) -> Any:
    tickets = Ticket.objects.visible_to(request.auth).select_related("point")  # type: ignore[attr-defined]
    ticket = get_visible_or_404_api(tickets, pk=ticket_id)
    presence = Presence()
    if payload is not None:
        presence = Presence(code=payload.code.strip(), lon=payload.lon, lat=payload.lat)
    try:
        ticket = queue.check_in(ticket, actor=request.auth, presence=presence)  # type: ignore[attr-defined]
    except BookingError as exc:
        raise _fail(exc) from exc
    return ticket_out(ticket)


@router.post(
    "/windows/{window_id}/call-next",
    auth=session_or_token(),
    response=CalledOut,
    summary="Finish the window's current number and call the next (staff of the hall)",
)
def call_next(request: HttpRequest, window_id: int) -> Any:
    windows = Window.objects.staffed_by(request.auth)  # type: ignore[attr-defined]
    window = get_visible_or_404_api(windows, pk=window_id)
    try:
        ticket = queue.call_next(window, actor=request.auth)  # type: ignore[attr-defined]
    except BookingError as exc:
        raise _fail(exc) from exc
    if ticket is None:
        raise HttpError(409, _("Nobody is waiting."))
    return {
        "window": window.pk,
        "ticket": ticket.pk,
        "label": ticket.label,
        "matter": ticket.matter,
        "called_at": ticket.called_at,
    }


def ticket_out(ticket: Ticket) -> dict[str, Any]:
    ahead = queue.position(ticket)
    wait = queue.estimated_wait(ticket.point, ticket.matter, ahead)
    return {
        "id": ticket.pk,
        "label": ticket.label,
        "status": ticket.status,
        "arrive_by": ticket.arrive_by,
        "ahead": ahead,
        "wait_minutes": round(wait.total_seconds() / 60),
    }


class MatterCountOut(Schema):
    matter: str
    accepted: int
    completed: int


@router.get(
    "/stats",
    auth=session_or_token(),
    response=list[MatterCountOut],
    summary="Bookings accepted and completed per matter in a period (staff)",
)
def matter_counts(request: HttpRequest, first: str = Query(...), last: str = Query(...)) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if not Membership.objects.filter(user=user, role__in=STAFF_ROLES, is_active=True).exists():
        raise HttpError(403, _("Only staff may read these counts."))
    days = []
    for name, raw in (("first", first), ("last", last)):
        try:
            days.append(datetime.strptime(raw, "%Y-%m-%d").date())
        except ValueError:
            raise _bad(name, _("Enter a date as YYYY-MM-DD.")) from None
    return stats.counts(days[0], days[1])
