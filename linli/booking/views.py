"""Resident pages (points, slots, my bookings, visits), the public live queue, and the staff
pages (call the next ticket and close today's bookings at a window, door-to-door visits on a
phone). Malformed form values are refused with a 4xx and the form again, never looked up."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from typing import cast

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.booking import actions, presence, queue, schedule
from linli.booking.actions import BookingError
from linli.booking.models import Booking, ServicePoint, Ticket, Visit, Window
from linli.core.access import get_visible_or_404
from linli.people.models import Membership, Role, User


def _me(request: HttpRequest) -> User:
    return cast(User, request.user)


def index(request: HttpRequest) -> HttpResponse:
    points = ServicePoint.objects.filter(is_active=True).order_by("kind", "name")
    return render(request, "booking/index.html", {"points": points})


def _day(raw: str | None) -> date:
    today = timezone.localdate()
    try:
        day = date.fromisoformat(raw) if raw else today
    except ValueError:
        return today
    return max(day, today)


def _posted_id(request: HttpRequest, name: str) -> int | None:
    """The row id posted as ``name``, or None when it was left empty. Anything but a plain
    number is refused here, before it reaches a query (where it would raise)."""
    raw = request.POST.get(name, "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        raise BookingError(_("The form was sent with a value that is not valid."), field=name)
    return int(raw)


def _posted_time(request: HttpRequest, name: str) -> datetime:
    """An aware time posted as ``name`` (local time when it has no offset)."""
    try:
        moment = parse_datetime(request.POST.get(name, "").strip())
    except ValueError:  # well formed but impossible, such as 30 February
        moment = None
    if moment is None:
        raise BookingError(_("Choose a time."), field=name)
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _matter_names(codes: set[str]) -> dict[str, str]:
    """Matter names from the hall's catalogue in the page's language, by code."""
    from linli.hall.models import Matter

    column = "name_en" if (translation.get_language() or "").startswith("en") else "name_zh"
    return dict(Matter.objects.filter(code__in=codes).values_list("code", column))


def _matter_choices(service_point: ServicePoint) -> list[tuple[str, str]]:
    """(code, "window · matter name") for every matter a window serves (the code itself when
    the catalogue lacks it)."""
    windows = list(service_point.windows.all())
    names = _matter_names({code for window in windows for code in window.matters})
    return [(code, f"{w.name} · {names.get(code, code)}") for w in windows for code in w.matters]


def _point_page(
    request: HttpRequest, service_point: ServicePoint, day: date, move: str, status: int = 200
) -> HttpResponse:
    days = [timezone.localdate() + timedelta(days=n) for n in range(14)]
    officers = []
    if service_point.kind == ServicePoint.Kind.POLICE_ROOM and service_point.unit_id:
        officers = [
            m.user
            for m in Membership.objects.filter(
                unit_id=service_point.unit_id, role=Role.OFFICER, is_active=True
            ).select_related("user")
        ]
    context = {
        "point": service_point,
        "day": day,
        "days": days,
        "slots": schedule.slots_for(service_point, day),
        "windows": service_point.windows.all(),
        "matter_choices": _matter_choices(service_point),
        "officers": officers,
        "now": timezone.now(),
        "move": move if move.isascii() and move.isdigit() else "",
    }
    return render(request, "booking/point.html", context, status=status)


def point(request: HttpRequest, point_id: int) -> HttpResponse:
    service_point = get_object_or_404(ServicePoint, pk=point_id, is_active=True)
    day = _day(request.GET.get("date"))
    return _point_page(request, service_point, day, request.GET.get("move", "")[:18])


def _booking_form(
    request: HttpRequest, service_point: ServicePoint
) -> tuple[datetime, User | None, Booking | None]:
    """The posted time, officer to consult and booking to move, each checked to exist."""
    officer_id, move_id = _posted_id(request, "officer"), _posted_id(request, "move")
    officer = None
    if officer_id is not None:
        officer = User.objects.filter(pk=officer_id).first()
        if officer is None:
            raise BookingError(_("There is no such officer."), field="officer")
    moving = None
    if move_id is not None:
        moving = Booking.objects.filter(
            pk=move_id, person=_me(request), slot__point=service_point
        ).first()
        if moving is None:
            raise BookingError(_("There is no such booking."), field="move", status=404)
    return _posted_time(request, "starts_at"), officer, moving


@login_required
@require_POST
def book(request: HttpRequest, point_id: int) -> HttpResponse:
    service_point = get_object_or_404(ServicePoint, pk=point_id, is_active=True)
    try:
        starts_at, officer, moving = _booking_form(request, service_point)
    except BookingError as exc:  # the form again, with what was wrong
        messages.error(request, exc.message)
        day = _day(request.POST.get("starts_at", "")[:10])
        move = request.POST.get("move", "")[:18]
        return _point_page(request, service_point, day, move, status=exc.status)
    try:
        if moving is not None:
            actions.reschedule(moving, starts_at=starts_at, actor=_me(request))
            messages.success(request, _("Booking moved."))
            return redirect("booking:mine")
        booking = actions.book(
            person=_me(request),
            point=service_point,
            starts_at=starts_at,
            matter=request.POST.get("matter", "")[:32],
            officer=officer,
        )
    except BookingError as exc:
        messages.error(request, exc.message)
        return redirect("booking:point", point_id=point_id)
    messages.success(request, _("Booked. Your reference is %(ref)s.") % {"ref": booking.reference})
    return redirect("booking:mine")


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    bookings = Booking.objects.filter(person=_me(request)).select_related("slot__point")[:50]
    visits = Visit.objects.filter(resident=_me(request))[:20]
    tickets = Ticket.objects.filter(person=_me(request), date=timezone.localdate()).select_related(
        "point"
    )
    context = {"bookings": bookings, "visits": visits, "tickets": tickets, "now": timezone.now()}
    return render(request, "booking/mine.html", context)


@login_required
@require_POST
def cancel(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = get_object_or_404(Booking, pk=booking_id, person=_me(request))
    try:
        actions.cancel(booking, actor=request.user)  # type: ignore[arg-type]
    except BookingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Booking cancelled."))
    return redirect("booking:mine")


# --- the live queue -------------------------------------------------------------------------


def _my_tickets(request: HttpRequest, service_point: ServicePoint) -> list[tuple[Ticket, int]]:
    """The visitor's numbers at this point today, each with the people ahead of it."""
    if not request.user.is_authenticated:
        return []
    tickets = Ticket.objects.filter(
        person=_me(request), point=service_point, date=timezone.localdate()
    ).exclude(status__in=[Ticket.Status.DONE, Ticket.Status.EXPIRED])
    return [(ticket, queue.position(ticket)) for ticket in tickets]


def _shown_code(raw: str) -> str:
    """A check-in code from a scanned link, to fill in the arrive form: digits only, else
    nothing (the link is typed by anyone; it is never echoed as it came)."""
    raw = raw.strip()
    return raw if len(raw) == presence.CODE_DIGITS and raw.isascii() and raw.isdigit() else ""


def _queue_page(
    request: HttpRequest, service_point: ServicePoint, *, code: str = "", status: int = 200
) -> HttpResponse:
    works_here = ServicePoint.objects.staffed_by(request.user).filter(pk=service_point.pk).exists()
    context = {
        "point": service_point,
        "states": queue.board(service_point),
        "works_here": works_here,
        "my_tickets": _my_tickets(request, service_point),
        "code": code,
    }
    return render(request, "booking/queue.html", context, status=status)


def queue_page(request: HttpRequest, point_id: int) -> HttpResponse:
    """The live queue; scanning the QR code on the hall's screen opens it with ``?code=``,
    which fills in the visitor's "I have arrived" form."""
    service_point = get_object_or_404(ServicePoint, pk=point_id, is_active=True)
    return _queue_page(request, service_point, code=_shown_code(request.GET.get("code", "")))


def queue_board(request: HttpRequest, point_id: int) -> HttpResponse:
    service_point = get_object_or_404(ServicePoint, pk=point_id, is_active=True)
    context = {"point": service_point, "states": queue.board(service_point)}
    return render(request, "booking/_queue_board.html", context)


@login_required
@require_POST
def take_ticket(request: HttpRequest, point_id: int) -> HttpResponse:
    service_point = get_object_or_404(ServicePoint, pk=point_id, is_active=True)
    try:
        ticket = queue.take_ticket(
            point=service_point,
            matter=request.POST.get("matter", "")[:32],
            person=request.user,  # type: ignore[arg-type]
            remote=True,
        )
    except BookingError as exc:
        messages.error(request, exc.message)
        return redirect("booking:queue", point_id=point_id)
    messages.success(
        request,
        _("Your number is %(label)s. Please arrive by %(time)s.")
        % {"label": ticket.label, "time": timezone.localtime(ticket.arrive_by).strftime("%H:%M")},
    )
    return redirect("booking:queue", point_id=point_id)


@login_required
@require_POST
def arrive(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """The holder of a remote number says "I have arrived" on their phone, with the code shown
    at the hall or the phone's position: it is checked in. Refused, the queue page again with
    what was wrong and a 4xx."""
    ticket = get_object_or_404(
        Ticket.objects.select_related("point"), pk=ticket_id, person=_me(request)
    )
    post = request.POST
    try:
        proof = presence.parse(
            post.get("code", "")[:12], post.get("lon", "")[:40], post.get("lat", "")[:40]
        )
        queue.check_in(ticket, actor=_me(request), presence=proof)
    except BookingError as exc:
        messages.error(request, exc.message)
        return _queue_page(request, ticket.point, status=exc.status)
    message = _("%(label)s checked in. Please wait to be called.")
    messages.success(request, message % {"label": ticket.label})
    return redirect("booking:queue", point_id=ticket.point_id)


@login_required
def screen(request: HttpRequest, point_id: int) -> HttpResponse:
    """The hall's screen (staff of the point): the live queue and the check-in code that
    visitors scan on arrival. Anyone else gets 404, as for a point that does not exist."""
    points = ServicePoint.objects.staffed_by(request.user).filter(is_active=True)
    service_point = get_visible_or_404(points, pk=point_id)
    context = {"point": service_point, "states": queue.board(service_point)}
    return render(request, "booking/screen.html", context)


@login_required
def screen_code(request: HttpRequest, point_id: int) -> HttpResponse:
    """The code part of the screen, fetched again by htmx as the code changes."""
    points = ServicePoint.objects.staffed_by(request.user).filter(is_active=True)
    service_point = get_visible_or_404(points, pk=point_id)
    code = presence.hall_code(service_point, timezone.now())
    link = request.build_absolute_uri(reverse("booking:queue", args=[service_point.pk]))
    qr = segno.make(f"{link}?code={code}", error="m").svg_inline(scale=6, dark="#0b3d91")
    context = {"point": service_point, "code": code, "qr_svg": qr}
    return render(request, "booking/_check_in_code.html", context)


def _staff_window(request: HttpRequest, window_id: int) -> Window:
    windows = Window.objects.staffed_by(request.user).select_related("point")
    return get_visible_or_404(windows, pk=window_id)


WINDOW_VERBS = ("check_in", "complete", "no_show")


def _todays_bookings(window: Window) -> QuerySet[Booking]:
    """Today's open bookings at the window's point, for the matters the window serves."""
    rows = Booking.objects.filter(
        slot__point_id=window.point_id,
        slot__date=timezone.localdate(),
        status=Booking.Status.BOOKED,
    )
    if window.matters:
        rows = rows.filter(matter__in=[*window.matters, ""])
    return rows.select_related("slot", "person").order_by("slot__starts_at", "pk")


def _window_verb(request: HttpRequest) -> tuple[str, int]:
    """The button pressed and the ticket or booking it names; no name means "call the next"."""
    for verb in WINDOW_VERBS:
        if verb in request.POST:
            target = _posted_id(request, verb)
            if target is None:
                raise BookingError(_("The form was sent with a value that is not valid."))
            return verb, target
    return "call_next", 0


def _window_act(request: HttpRequest, window: Window, verb: str, target: int) -> None:
    if verb == "call_next":
        if queue.call_next(window, actor=_me(request)) is None:
            messages.info(request, _("Nobody is waiting."))
    elif verb == "check_in":
        ticket = Ticket.objects.filter(point=window.point, pk=target).first()
        if ticket is None:
            raise BookingError(_("There is no such ticket."), status=404)
        queue.check_in(ticket, actor=_me(request))
    else:
        booking = _todays_bookings(window).filter(pk=target).first()
        if booking is None:
            raise BookingError(_("There is no such booking."), status=404)
        if verb == "complete":
            actions.complete(booking, actor=_me(request))
            messages.success(request, _("%(ref)s marked as served.") % {"ref": booking.reference})
        else:
            actions.mark_no_show(booking, actor=_me(request))
            message = _("%(ref)s recorded as not having come.")
            messages.success(request, message % {"ref": booking.reference})


@login_required
def window_page(request: HttpRequest, window_id: int) -> HttpResponse:
    """A window's staff page: call the next number, check in remote numbers on arrival, and
    mark today's booked visitors as served or not come."""
    window = _staff_window(request, window_id)
    status = 200
    if request.method == "POST":
        try:
            verb, target = _window_verb(request)
        except BookingError as exc:  # the page again, nothing done
            messages.error(request, exc.message)
            status = exc.status
        else:
            try:
                _window_act(request, window, verb, target)
            except BookingError as exc:
                messages.error(request, exc.message)
            return redirect("booking:window", window_id=window.pk)
    waiting = Ticket.objects.filter(
        point=window.point, date=timezone.localdate(), status=Ticket.Status.WAITING
    )
    serving = Ticket.objects.filter(window=window, status=Ticket.Status.CALLED).first()
    bookings = list(_todays_bookings(window))
    names = _matter_names({b.matter for b in bookings})
    context = {
        "window": window,
        "serving": serving,
        "arriving": waiting,
        "bookings": [(b, names.get(b.matter, b.matter)) for b in bookings],
        "now": timezone.now(),
    }
    return render(request, "booking/window.html", context, status=status)


# --- door-to-door visits --------------------------------------------------------------------


def _visits_page(request: HttpRequest, status: int = 200) -> HttpResponse:
    context = {
        "asked": Visit.objects.filter(resident=_me(request))[:20],
        "assigned": Visit.objects.filter(officer=_me(request)).exclude(
            status__in=[Visit.Status.DONE, Visit.Status.CANCELLED]
        )[:50],
        "unassigned": Visit.objects.unassigned_for(_me(request)).order_by("created_at")[:50],
    }
    return render(request, "booking/visits.html", context, status=status)


def _posted_place(request: HttpRequest) -> tuple[float, float]:
    try:
        lon, lat = float(request.POST.get("lon", "")), float(request.POST.get("lat", ""))
    except ValueError:
        lon = lat = math.nan
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise BookingError(_("Choose the place on the map or share your location."), field="lon")
    return lon, lat


@login_required
def visits(request: HttpRequest) -> HttpResponse:
    """Residents ask for a visit; officers see the visits assigned to them, and those nobody
    was assigned in their areas, which they may take."""
    if request.method != "POST":
        return _visits_page(request)
    try:
        lon, lat = _posted_place(request)
    except BookingError as exc:
        messages.error(request, exc.message)
        return _visits_page(request, status=exc.status)
    try:
        visit = actions.request_visit(
            resident=_me(request),
            lon=lon,
            lat=lat,
            address=request.POST.get("address", "")[:200],
            matter="zhejiang_residence_permit",
        )
    except BookingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Visit requested: %(ref)s.") % {"ref": visit.reference})
    return redirect("booking:visits")


VISIT_VERBS = ("take", "propose", "accept", "done")


def _visit_verb(request: HttpRequest, visit: Visit, verb: str) -> None:
    user = _me(request)
    if verb == "take":
        actions.take_visit(visit, officer=user)
        message = _("Visit %(ref)s is now yours: propose a time to the resident.")
        messages.success(request, message % {"ref": visit.reference})
    elif verb == "propose":
        actions.propose_visit(visit, officer=user, at=_posted_time(request, "at"))
    elif verb == "accept":
        actions.accept_visit(visit, resident=user)
    else:
        actions.finish_visit(visit, officer=user)


@login_required
@require_POST
def visit_act(request: HttpRequest, visit_id: int, verb: str) -> HttpResponse:
    if verb not in VISIT_VERBS:
        raise Http404
    visit = get_visible_or_404(Visit.objects.visible_to(_me(request)), pk=visit_id)
    try:
        _visit_verb(request, visit, verb)
    except BookingError as exc:  # the page again with what was wrong; nothing changed
        messages.error(request, exc.message)
        return _visits_page(request, status=exc.status)
    return redirect("booking:visits")
