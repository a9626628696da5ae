"""Every state change of appointments and visits. Taking a place locks the slot row and checks
and increments its count in one transaction, so the last place is never given twice. Each
change writes its audit event (``AuditKind`` 600–699) in the transaction that makes it; a
refused action changes nothing and writes none."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from django.db import IntegrityError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.booking import schedule
from linli.booking.models import Booking, ServicePoint, Slot, Ticket, Visit
from linli.core import retry
from linli.core.audit import AuditKind, record
from linli.people.models import Membership, Role, User

T = TypeVar("T")


class BookingError(Exception):
    def __init__(self, message: str, *, field: str = "", status: int = 400) -> None:
        super().__init__(message)
        self.message, self.field, self.status = message, field, status


def reference(prefix: str) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return prefix + "".join(secrets.choice(alphabet) for _ in range(8))


def _retrying(work: Callable[[], T], *, atomic: bool = True) -> T:
    busy = BookingError(_("The service is busy; please try again."), status=503)
    return retry.while_locked(work, busy=busy, atomic=atomic)


def when(moment: datetime | None) -> str | None:
    """A time as an audit event keeps it: local ISO 8601 text."""
    return timezone.localtime(moment).isoformat() if moment else None


def _take_place(slot_id: int, person: User, now: datetime) -> Slot:
    slot = Slot.objects.select_for_update().get(pk=slot_id)
    if slot.starts_at <= now:
        raise BookingError(_("This time has already passed."), field="starts_at")
    if Booking.objects.filter(slot=slot, person=person, status=Booking.Status.BOOKED).exists():
        raise BookingError(_("You have already booked this time."), field="starts_at", status=409)
    if slot.booked >= slot.capacity:
        raise BookingError(_("This time is fully booked."), field="starts_at", status=409)
    Slot.objects.filter(pk=slot.pk).update(booked=F("booked") + 1)
    return slot


def _find_slot(point: ServicePoint, starts_at: datetime) -> Slot:
    day = timezone.localtime(starts_at).date()
    if schedule.opening_on(point, day) is None:
        raise BookingError(_("The service point is closed on that day."), field="starts_at")
    slot = schedule.slot_at(point, starts_at)
    if slot is None:
        raise BookingError(_("There is no slot starting at that time."), field="starts_at")
    return slot


def _check_officer(point: ServicePoint, officer: User | None) -> None:
    if officer is None:
        return
    members = Membership.objects.filter(
        unit_id=point.unit_id or 0,
        user=officer,
        is_active=True,
        role__in=[Role.OFFICER, Role.AUXILIARY],
    )
    if point.kind != ServicePoint.Kind.POLICE_ROOM or not members.exists():
        raise BookingError(_("This officer does not serve at this police room."), field="officer")


def book(
    *,
    person: User,
    point: ServicePoint,
    starts_at: datetime,
    matter: str = "",
    officer: User | None = None,
    now: datetime | None = None,
) -> Booking:
    """Book a place in the slot of ``point`` starting at ``starts_at`` (optionally to consult a
    named officer of a police room)."""
    now = now or timezone.now()

    def find() -> Slot:
        _check_officer(point, officer)
        slot = _find_slot(point, starts_at)
        if slot.booked >= slot.capacity:  # refused without queueing for the lock
            raise BookingError(_("This time is fully booked."), field="starts_at", status=409)
        return slot

    # Looked up outside the write transaction: SQLite's transactions take the write lock at
    # once, and the lookup should not hold it. The count is checked again under the lock.
    slot = _retrying(find, atomic=False)

    def work() -> Booking:
        _take_place(slot.pk, person, now)
        booking = Booking.objects.create(
            reference=reference("B"), slot=slot, person=person, matter=matter, officer=officer
        )
        after = {
            "status": booking.status,
            "point": point.pk,
            "starts_at": when(slot.starts_at),
            "matter": matter,
            "officer": officer.pk if officer else None,
        }
        record(AuditKind.BOOKING_MADE, actor=person, obj=booking, after=after)
        return booking

    try:
        return _retrying(work)
    except IntegrityError as exc:  # the partial unique index caught a double booking
        raise BookingError(
            _("You have already booked this time."), field="starts_at", status=409
        ) from exc


def _release(booking: Booking) -> None:
    Slot.objects.select_for_update().get(pk=booking.slot_id)
    Slot.objects.filter(pk=booking.slot_id, booked__gt=0).update(booked=F("booked") - 1)


def cancel(booking: Booking, *, actor: User, now: datetime | None = None) -> Booking:
    now = now or timezone.now()

    def work() -> Booking:
        current = Booking.objects.select_for_update().get(pk=booking.pk)
        if current.status != Booking.Status.BOOKED:
            raise BookingError(_("This booking is no longer active."), status=409)
        if current.slot.starts_at <= now:
            raise BookingError(_("This time has already passed."))
        _release(current)
        current.status = Booking.Status.CANCELLED
        current.save(update_fields=["status"])
        record(
            AuditKind.BOOKING_CANCELLED,
            actor=actor,
            obj=current,
            before={"status": Booking.Status.BOOKED},
            after={"status": current.status},
        )
        return current

    return _retrying(work)


def reschedule(
    booking: Booking, *, starts_at: datetime, actor: User, now: datetime | None = None
) -> Booking:
    """Move to another slot of the same point: the new place is taken before the old is freed."""
    now = now or timezone.now()

    def work() -> Booking:
        new_slot = _find_slot(booking.slot.point, starts_at)
        current = Booking.objects.select_for_update().get(pk=booking.pk)
        if current.status != Booking.Status.BOOKED:
            raise BookingError(_("This booking is no longer active."), status=409)
        if new_slot.pk == current.slot_id:
            raise BookingError(_("You have already booked this time."), field="starts_at")
        _take_place(new_slot.pk, current.person, now)
        _release(current)
        before = {"starts_at": when(current.slot.starts_at)}
        current.slot = new_slot
        current.reminded_at = None
        current.save(update_fields=["slot", "reminded_at"])
        after = {"starts_at": when(new_slot.starts_at)}
        record(AuditKind.BOOKING_RESCHEDULED, actor=actor, obj=current, before=before, after=after)
        return current

    return _retrying(work)


def _close(
    booking: Booking, status: str, *, actor: User, kind: AuditKind, **changes: Any
) -> Booking:
    """An open booking becomes ``status``: one conditional UPDATE, so two windows closing the
    same booking at once close it once."""

    def work() -> Booking:
        updated = Booking.objects.filter(pk=booking.pk, status=Booking.Status.BOOKED).update(
            status=status, **changes
        )
        if not updated:
            raise BookingError(_("This booking is no longer active."), status=409)
        before, after = {"status": Booking.Status.BOOKED}, {"status": status}
        record(kind, actor=actor, obj=booking, before=before, after=after)
        return booking

    _retrying(work)
    booking.refresh_from_db()
    return booking


def complete(booking: Booking, *, actor: User, now: datetime | None = None) -> Booking:
    """The visitor was served (at a window, or their queue ticket was finished)."""
    now = now or timezone.now()
    if booking.slot.date > timezone.localtime(now).date():
        raise BookingError(_("This booking is for a later day."), status=409)
    return _close(
        booking,
        Booking.Status.COMPLETED,
        actor=actor,
        kind=AuditKind.BOOKING_COMPLETED,
        completed_at=now,
    )


def mark_no_show(booking: Booking, *, actor: User, now: datetime | None = None) -> Booking:
    """The visitor did not come; the place stays taken, since its time has begun."""
    now = now or timezone.now()
    if booking.slot.starts_at > now:
        raise BookingError(_("The time of this booking has not begun yet."), status=409)
    return _close(booking, Booking.Status.NO_SHOW, actor=actor, kind=AuditKind.BOOKING_NO_SHOW)


def complete_for_ticket(ticket: Ticket, *, actor: User | None, now: datetime) -> int:
    """Complete the booking that a served ticket's holder had at that point that day, if any,
    so a booked visitor who took a number is counted as served. Call in the serving
    transaction; returns how many bookings it completed (0 or 1)."""
    if ticket.person_id is None:
        return 0
    bookings = Booking.objects.filter(
        person_id=ticket.person_id,
        slot__point_id=ticket.point_id,
        slot__date=ticket.date,
        status=Booking.Status.BOOKED,
    )
    if ticket.matter:
        bookings = bookings.filter(matter__in=[ticket.matter, ""])
    first = bookings.order_by("slot__starts_at").first()
    if first is None:
        return 0
    completed = Booking.objects.filter(pk=first.pk, status=Booking.Status.BOOKED).update(
        status=Booking.Status.COMPLETED, completed_at=now
    )
    if completed:
        record(
            AuditKind.BOOKING_COMPLETED,
            actor=actor,
            obj=first,
            before={"status": Booking.Status.BOOKED},
            after={"status": Booking.Status.COMPLETED, "ticket": ticket.label},
        )
    return completed


# --- door-to-door visits (上门服务) ----------------------------------------------------------


def _grid_officer(lon: float, lat: float) -> tuple[str, User | None]:
    from linli.people.duty import officer_on_duty
    from linli.places.locate import locate
    from linli.places.models import PoliceRoom

    location = locate(lon, lat)
    if location is None:
        raise BookingError(_("This place lies outside the service area."), field="lon")
    officer = None
    if location.police_room is not None:
        room = PoliceRoom.objects.select_related("unit").get(pk=location.police_room.id)
        officer = room.named_officer or officer_on_duty(room.unit)
    return location.area_code, officer


def request_visit(
    *, resident: User, lon: float, lat: float, address: str = "", matter: str = ""
) -> Visit:
    """A resident asks for a visit; it goes to the community officer of the place's grid."""
    area_code, officer = _grid_officer(lon, lat)

    def work() -> Visit:
        visit = Visit.objects.create(
            reference=reference("V"),
            resident=resident,
            officer=officer,
            lon=lon,
            lat=lat,
            area_code=area_code,
            address=address,
            matter=matter,
        )
        after = {
            "status": visit.status,
            "area_code": area_code,
            "officer": officer.pk if officer else None,
            "matter": matter,
        }
        record(AuditKind.VISIT_REQUESTED, actor=resident, obj=visit, after=after)
        return visit

    return _retrying(work)


def _move(
    visit: Visit, old: set[Visit.Status], new: str, *, actor: User, kind: AuditKind, **changes: Any
) -> Visit:
    """From any of ``old`` to ``new`` under the row's lock, with its audit event."""

    def work() -> None:
        rows = Visit.objects.select_for_update().filter(pk=visit.pk)
        current = rows.values_list("status", flat=True).first()
        if current not in old:
            raise BookingError(_("This visit cannot change that way now."), status=409)
        rows.update(status=new, **changes)
        after = {"status": new} | {k: when(v) for k, v in changes.items()}
        record(kind, actor=actor, obj=visit, before={"status": current}, after=after)

    _retrying(work)
    visit.refresh_from_db()
    return visit


def take_visit(visit: Visit, *, officer: User) -> Visit:
    """Staff of the area covering the place take a visit that nobody was assigned; they then
    propose a time as for any visit of theirs. One conditional UPDATE: the first to take it
    has it."""

    def work() -> int:
        taken = Visit.objects.unassigned_for(officer).filter(pk=visit.pk).update(officer=officer)
        if taken:
            after = {"officer": officer.pk}
            record(
                AuditKind.VISIT_TAKEN,
                actor=officer,
                obj=visit,
                before={"officer": None},
                after=after,
            )
        return taken

    taken = _retrying(work)
    visit.refresh_from_db()
    if taken:
        return visit
    if visit.officer_id is None and visit.status == Visit.Status.REQUESTED:
        raise BookingError(_("This visit is not in your area."), status=403)
    raise BookingError(_("This visit is no longer waiting for an officer."), status=409)


def propose_visit(
    visit: Visit, *, officer: User, at: datetime, now: datetime | None = None
) -> Visit:
    if visit.officer_id != officer.pk:
        raise BookingError(_("This visit is assigned to another officer."), status=403)
    if at <= (now or timezone.now()):
        raise BookingError(_("This time has already passed."), field="at")
    states = {Visit.Status.REQUESTED, Visit.Status.PROPOSED}
    return _move(
        visit,
        states,
        Visit.Status.PROPOSED,
        actor=officer,
        kind=AuditKind.VISIT_PROPOSED,
        proposed_at=at,
    )


def accept_visit(visit: Visit, *, resident: User) -> Visit:
    if visit.resident_id != resident.pk:
        raise BookingError(_("This visit is not yours."), status=403)
    return _move(
        visit,
        {Visit.Status.PROPOSED},
        Visit.Status.ACCEPTED,
        actor=resident,
        kind=AuditKind.VISIT_ACCEPTED,
    )


def finish_visit(visit: Visit, *, officer: User, now: datetime | None = None) -> Visit:
    if visit.officer_id != officer.pk:
        raise BookingError(_("This visit is assigned to another officer."), status=403)
    return _move(
        visit,
        {Visit.Status.ACCEPTED},
        Visit.Status.DONE,
        actor=officer,
        kind=AuditKind.VISIT_DONE,
        done_at=now or timezone.now(),
    )
