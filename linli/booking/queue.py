"""The live window queue (窗口千里眼): tickets, check-in, calling the next, estimated waits.

The wait for a matter is the median of the last ``RECENT`` service times of the windows that
serve it, times the people ahead, divided among those windows."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.booking.actions import BookingError, _retrying, complete_for_ticket, when
from linli.booking.models import ServicePoint, Ticket, Window
from linli.booking.presence import Presence, proven
from linli.core.audit import AuditKind, record, record_many, unsaved
from linli.people.models import User

RECENT = 20
DEFAULT_SERVICE = timedelta(minutes=8)
ACTIVE = [Ticket.Status.WAITING, Ticket.Status.CHECKED_IN]


def take_ticket(
    *,
    point: ServicePoint,
    matter: str = "",
    person: User | None = None,
    remote: bool = False,
    arrive_within: timedelta = timedelta(hours=1),
    now: datetime | None = None,
) -> Ticket:
    now = now or timezone.now()
    if matter and not any(matter in w.matters for w in point.windows.all()):
        raise BookingError(_("No window of this point serves this matter."), field="matter")
    day = timezone.localtime(now).date()

    def work() -> Ticket:
        ServicePoint.objects.select_for_update().get(pk=point.pk)  # numbers in order
        last = Ticket.objects.filter(point=point, date=day).aggregate(n=Max("number"))["n"]
        ticket = Ticket.objects.create(
            point=point,
            date=day,
            number=(last or 0) + 1,
            matter=matter,
            person=person,
            kind=Ticket.Kind.REMOTE if remote else Ticket.Kind.ON_SITE,
            status=Ticket.Status.WAITING if remote else Ticket.Status.CHECKED_IN,
            arrive_by=now + arrive_within if remote else None,
            created_at=now,
            checked_in_at=None if remote else now,
        )
        after = {
            "status": ticket.status,
            "point": point.pk,
            "matter": matter,
            "arrive_by": when(ticket.arrive_by),
        }
        record(AuditKind.TICKET_TAKEN, actor=person, obj=ticket, after=after)
        return ticket

    return _retrying(work)


def _checked_in_or_expired(
    ticket: Ticket, *, actor: User | None, now: datetime, how: dict[str, str | int]
) -> bool:
    """Move a waiting number to checked in, or to expired when its time to arrive has passed
    (True when it was checked in). A number no longer waiting is left alone."""
    waiting = Ticket.objects.filter(pk=ticket.pk, status=Ticket.Status.WAITING)
    late = _late(ticket, now)
    if late:
        status, kind, changes = Ticket.Status.EXPIRED, AuditKind.TICKET_EXPIRED, {}
    else:
        status, kind = Ticket.Status.CHECKED_IN, AuditKind.TICKET_CHECKED_IN
        changes = {"checked_in_at": now}
    if waiting.update(status=status, **changes):
        before = {"status": Ticket.Status.WAITING}
        after = {"status": status} | {k: when(v) for k, v in changes.items()}
        record(kind, actor=actor, obj=ticket, before=before, after=after | ({} if late else how))
        return not late
    return False


def _late(ticket: Ticket, now: datetime) -> bool:
    return bool(ticket.arrive_by and now > ticket.arrive_by)


def check_in(
    ticket: Ticket,
    *,
    actor: User | None,
    presence: Presence | None = None,
    now: datetime | None = None,
) -> Ticket:
    """A remote number's holder has arrived. Its arrival window runs from taking the number to
    its time to arrive (``arrive_by``): after that the number expires. The holder proves on
    their phone that they are at the point (``presence.proven()``); staff of the point check a
    visitor in at the window with no proof, since they see them."""
    now = now or timezone.now()
    how: dict[str, str | int] = {"by": "staff"}
    staff = ServicePoint.objects.staffed_by(actor).filter(pk=ticket.point_id).exists()
    if not staff and ticket.status == Ticket.Status.WAITING and not _late(ticket, now):
        how = proven(ticket.point, presence or Presence(), actor=actor, now=now)
    if _retrying(lambda: _checked_in_or_expired(ticket, actor=actor, now=now, how=how)):
        ticket.refresh_from_db()
        return ticket
    ticket.refresh_from_db()
    if ticket.status == Ticket.Status.EXPIRED:
        raise BookingError(
            _("The time to arrive has passed; please take a new number."), status=409
        )
    raise BookingError(_("This ticket is not waiting to arrive."), status=409)


EXPIRE_BATCH = 500


@transaction.atomic
def expire_late(now: datetime) -> int:
    """Remote numbers whose time to arrive has passed leave the queue (a worker sweep), each
    with its audit event. The late numbers are read under their row locks (PostgreSQL; SQLite's
    transaction holds the write lock), so racing workers expire each once; what one batch
    leaves, the next sweep takes."""
    late = list(
        Ticket.objects.filter(status=Ticket.Status.WAITING, arrive_by__lt=now)
        .select_for_update(skip_locked=True)
        .order_by("arrive_by")[:EXPIRE_BATCH]
    )
    if not late:
        return 0
    Ticket.objects.filter(pk__in=[t.pk for t in late]).update(status=Ticket.Status.EXPIRED)
    before, after = {"status": Ticket.Status.WAITING}, {"status": Ticket.Status.EXPIRED}
    events = [
        unsaved(AuditKind.TICKET_EXPIRED, actor=None, obj=t, before=before, after=after)
        for t in late
    ]
    record_many(events)
    return len(late)


def _serve(served: Ticket, *, actor: User | None, now: datetime) -> None:
    Ticket.objects.filter(pk=served.pk).update(status=Ticket.Status.DONE, done_at=now)
    before = {"status": Ticket.Status.CALLED}
    after = {"status": Ticket.Status.DONE, "done_at": when(now)}
    record(AuditKind.TICKET_SERVED, actor=actor, obj=served, before=before, after=after)
    complete_for_ticket(served, actor=actor, now=now)


def call_next(window: Window, *, actor: User | None, now: datetime | None = None) -> Ticket | None:
    """Finish the window's current ticket (and its holder's booking of the day, if any) and
    call the next checked-in one it serves. Each of these changes is its own audit event."""
    now = now or timezone.now()

    def work() -> Ticket | None:
        Window.objects.select_for_update().get(pk=window.pk)
        for served in Ticket.objects.filter(window=window, status=Ticket.Status.CALLED):
            _serve(served, actor=actor, now=now)
        waiting = Ticket.objects.select_for_update().filter(
            point_id=window.point_id, status=Ticket.Status.CHECKED_IN
        )
        if window.matters:
            waiting = waiting.filter(matter__in=[*window.matters, ""])
        ticket = waiting.order_by("checked_in_at", "number").first()
        if ticket is None:
            return None
        before = {"status": ticket.status}
        ticket.status, ticket.window, ticket.called_at = Ticket.Status.CALLED, window, now
        ticket.save(update_fields=["status", "window", "called_at"])
        after = {"status": ticket.status, "window": window.number, "called_at": when(now)}
        record(AuditKind.TICKET_CALLED, actor=actor, obj=ticket, before=before, after=after)
        return ticket

    return _retrying(work)


def service_time(windows: list[Window]) -> timedelta:
    served = Ticket.objects.filter(
        window__in=windows, status=Ticket.Status.DONE, called_at__isnull=False
    ).order_by("-done_at")[:RECENT]
    spans = [(t.done_at - t.called_at).total_seconds() for t in served if t.done_at and t.called_at]
    return timedelta(seconds=statistics.median(spans)) if spans else DEFAULT_SERVICE


def windows_for(point: ServicePoint, matter: str) -> list[Window]:
    windows = list(point.windows.all())
    serving = [w for w in windows if not matter or not w.matters or matter in w.matters]
    return serving or windows


def estimated_wait(point: ServicePoint, matter: str, ahead: int) -> timedelta:
    windows = windows_for(point, matter)
    if not windows:
        return timedelta(0)
    return service_time(windows) * ahead / len(windows)


@dataclass
class WindowState:
    window: Window
    serving: Ticket | None
    waiting: int
    wait: timedelta

    @property
    def wait_minutes(self) -> int:
        return round(self.wait.total_seconds() / 60)


def board(point: ServicePoint, *, now: datetime | None = None) -> list[WindowState]:
    now = now or timezone.now()
    day = timezone.localtime(now).date()
    tickets = list(Ticket.objects.filter(point=point, date=day).exclude(status=Ticket.Status.DONE))
    states = []
    for window in point.windows.all():
        serves = set(window.matters)
        ahead = [
            t
            for t in tickets
            if t.status in ACTIVE and (not serves or not t.matter or t.matter in serves)
        ]
        serving = next((t for t in tickets if t.window_id == window.pk), None)
        wait = service_time([window]) * len(ahead)
        states.append(WindowState(window, serving, len(ahead), wait))
    return states


def position(ticket: Ticket) -> int:
    """People ahead of ``ticket`` in its point's queue (for its matter, when it has one)."""
    ahead = Ticket.objects.filter(
        point_id=ticket.point_id, date=ticket.date, status__in=ACTIVE, number__lt=ticket.number
    )
    if ticket.matter:
        ahead = ahead.filter(matter__in=[ticket.matter, ""])
    return ahead.count()
