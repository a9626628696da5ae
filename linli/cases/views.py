"""The people's pages of the case engine: QR posters, the report form, following a case, the
officer's workbench and the command board. State changes go through ``linli.cases.actions``."""

from __future__ import annotations

from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.cases import actions, board
from linli.cases.actions import handling
from linli.cases.actions.common import CaseError
from linli.cases.actions.intake import possible_duplicates
from linli.cases.forms import (
    FeedbackForm,
    FollowForm,
    MediationForm,
    MediationOutcomeForm,
    ReportForm,
    SendWorkOrderForm,
    StaffActionForm,
    TriageForm,
)
from linli.cases.models import (
    Case,
    CaseEvent,
    Category,
    Notification,
    Tier,
    WorkOrder,
    staff_units,
)
from linli.cases.permissions import may_handle
from linli.cases.triage.service import triage
from linli.core import deadlines, ratelimit
from linli.core.access import scope_prefixes
from linli.places.models import Area, Level, PoliceRoom

FOLLOW_SESSION = "linli_followed_cases"


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _area(code: str) -> Area | None:
    if not code.isdigit() or len(code) > 18:
        return None
    return Area.objects.filter(code=code).first()


# --- QR posters ------------------------------------------------------------------------------


def qr_poster(request: HttpRequest, code: str) -> HttpResponse:
    area = _area(code)
    if area is None or area.level not in (Level.GRID, Level.MICRO_GRID):
        raise Http404(_("Not found."))
    url = request.build_absolute_uri(f"{reverse('cases:report')}?area={area.code}")
    room = (
        PoliceRoom.objects.filter(micro_grids__code__startswith=area.code)
        .select_related("named_officer")
        .order_by("id")
        .first()
    )
    context = {
        "area": area,
        "room": room,
        "url": url,
        "qr_svg": segno.make(url, error="m").svg_inline(scale=8, dark="#0b3d91"),
    }
    return render(request, "cases/qr_poster.html", context)


# --- the resident's report -------------------------------------------------------------------


def suggest(request: HttpRequest) -> HttpResponse:
    """Category suggestions while the resident types (htmx)."""
    text = (request.POST.get("description") or request.GET.get("description") or "")[:2000]
    result = triage(text) if len(text.strip()) >= 4 else None
    context: dict[str, Any] = {"result": result}
    if result is not None:
        codes = [result.category, *(a.code for a in result.alternatives)]
        names = dict(Category.objects.filter(code__in=codes).values_list("code", "name_zh"))
        context["top_name"] = names.get(result.category, result.category)
        context["other_names"] = [names.get(a.code, a.code) for a in result.alternatives]
    return render(request, "cases/_suggest.html", context)


def _config() -> dict[str, Any]:
    district = Area.objects.filter(level=Level.DISTRICT).order_by("code").first()
    center = [district.centroid_lat, district.centroid_lon] if district else [30.75, 120.75]
    return {"center": center, "tiles": settings.LINLI_MAP_TILES}


def report(request: HttpRequest) -> HttpResponse:
    area = _area(request.GET.get("area", "") or request.POST.get("area", ""))
    initial = (
        {"area": area.code, "lon": area.centroid_lon, "lat": area.centroid_lat} if area else {}
    )
    user = request.user if request.user.is_authenticated else None
    staff = user is not None and bool(user.is_staff or staff_units(user))
    form = ReportForm(_posted(request), request.FILES or None, initial=initial, staff=staff)
    if request.method == "POST" and form.is_valid():
        ip = request.META.get("REMOTE_ADDR", "")
        if user is None and not ratelimit.hit("intake", ip, settings.LINLI_INTAKE_RATE):
            messages.error(request, _("Too many reports from this address. Try again later."))
            context = {"form": form, "area": area, "report_config": _config()}
            return render(request, "cases/report.html", context, status=429)
        data = form.cleaned_data
        on_behalf = data.get("channel") == Case.Channel.PHONE
        intake = actions.Intake(
            kind=data["kind"],
            channel=data.get("channel") or (Case.Channel.QR if area else Case.Channel.WEB),
            description=data["description"],
            lon=data["lon"],
            lat=data["lat"],
            address=data["address"],
            contact_phone=data["contact_phone"],
            reporter_name=data["caller_name"] if on_behalf else getattr(user, "full_name", ""),
            anonymous=data["anonymous"],
            on_behalf=on_behalf,
        )
        try:
            with transaction.atomic():
                submitted = actions.submit_case(intake, actor=user)
                actions.add_photos(submitted.case, data["photos"], actor=user)
        except CaseError as error:
            field = error.field if error.field in form.fields else None
            if error.field in ("lon", "lat"):
                field = "address"
            form.add_error(field, error.message)
        else:
            number = submitted.case.number
            followed = request.session.get(FOLLOW_SESSION, [])
            request.session[FOLLOW_SESSION] = [*followed[-19:], number]
            request.session["linli_submitted"] = {
                "number": number,
                "code": submitted.follow_up_code,
                "emergency": submitted.emergency_numbers,
                "duplicates": [c.number for c in submitted.possible_duplicates],
            }
            return redirect("cases:detail", number=number)
    return render(
        request, "cases/report.html", {"form": form, "area": area, "report_config": _config()}
    )


def follow(request: HttpRequest) -> HttpResponse:
    form = FollowForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        if not ratelimit.hit("follow", request.META.get("REMOTE_ADDR", ""), "30/h"):
            return HttpResponse(
                _("Too many attempts. Wait a few minutes and try again."), status=429
            )
        case = actions.case_by_follow_up_code(
            form.cleaned_data["number"], form.cleaned_data["code"]
        )
        if case is not None:
            followed = request.session.get(FOLLOW_SESSION, [])
            request.session[FOLLOW_SESSION] = [*followed[-19:], case.number]
            return redirect("cases:detail", number=case.number)
        form.add_error(None, _("No case has this number and code."))
    return render(request, "cases/follow.html", {"form": form})


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    cases = (
        Case.objects.filter(reporter_id=request.user.pk)
        .select_related("category", "unit")
        .order_by("-created_at")[:100]
    )
    return render(request, "cases/mine.html", {"cases": cases})


# --- one case: the resident's and the officer's view -----------------------------------------


def _case_for(request: HttpRequest, number: str) -> tuple[Case, bool]:
    """The case and whether the caller sees it as staff; 404 when they may not see it."""
    number = number[:40]
    user = request.user
    if user.is_authenticated:
        case = (
            Case.objects.visible_to(user)
            .select_related("category", "unit")
            .filter(number=number)
            .first()
        )
        if case is not None:
            return case, may_handle(user, case) or case.reporter_id != user.pk
    if number in request.session.get(FOLLOW_SESSION, []):
        case = Case.objects.select_related("category", "unit").filter(number=number).first()
        if case is not None:
            return case, False
    raise Http404(_("Not found."))


def handled_case(request: HttpRequest, number: str) -> Case:
    """The case, for a step only its handling unit may take: 404 for anyone else, as for a case
    they cannot see."""
    case, _staff = _case_for(request, number)
    if not may_handle(request.user, case):
        raise Http404(_("Not found."))
    return case


def locked_case(case: Case) -> Case:
    """``case`` read again and locked for the rest of the transaction (call inside one)."""
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("category", "unit")
        .get(pk=case.pk)
    )


def visible_case(user: Any, number: str) -> Case | None:
    return Case.objects.visible_to(user).filter(number=number[:40]).first()


def _merge_candidates(user: Any, case: Case) -> list[Case]:
    """Open cases nearby that this one may repeat, for a handler while it can still be merged."""
    if (
        not may_handle(user, case)
        or Case.Status.DUPLICATE not in Case.ALLOWED[Case.Status(case.status)]
    ):
        return []
    near = [c.pk for c in possible_duplicates(case, timezone.now())]
    return list(
        Case.objects.visible_to(user)
        .filter(pk__in=near)
        .select_related("category")
        .order_by("created_at")
    )


def detail(request: HttpRequest, number: str) -> HttpResponse:
    case, staff = _case_for(request, number)
    return render(request, "cases/detail.html", detail_context(request, case, staff))


def detail_context(request: HttpRequest, case: Case, staff: bool, **forms: Any) -> dict[str, Any]:
    """What the case page shows; ``forms`` replaces a blank form with one that has errors."""
    submitted = request.session.pop("linli_submitted", None)
    if submitted and submitted.get("number") != case.number:
        submitted = None
    events = case.events.select_related("actor").order_by("at", "id")
    if not staff:
        events = events.filter(public=True)
    handler = staff and may_handle(request.user, case)
    arranging = handler and case.status in Case.OPEN_STATUSES
    context = {
        "case": case,
        "staff": staff,
        "handler": handler,
        "events": events,
        "photos": case.photos.filter(work_order=None).order_by("id"),
        "submitted": submitted,
        "feedback_form": FeedbackForm() if case.status == Case.Status.RESOLVED else None,
        "action_form": StaffActionForm() if staff else None,
        # on time, warned or overdue while the deadline clock runs; nothing once it stopped
        "lateness": deadlines.lateness(case.due_at, case.warn_at, timezone.now())
        if case.is_running
        else "",
        "original": case.duplicate_of if case.duplicate_of_id else None,
        "merge_candidates": _merge_candidates(request.user, case) if staff else [],
        "triage_form": _triage_form(request.user, case),
        "work_orders": case.work_orders.select_related("from_unit", "to_unit")
        .prefetch_related("photos")
        .order_by("id")
        if staff
        else [],
        "my_units": set(staff_units(request.user)) if staff else set(),
        "send_form": SendWorkOrderForm(case=case) if arranging else None,
        "mediations": case.mediations.prefetch_related("units") if staff else [],
        "mediation_form": MediationForm() if arranging else None,
        "outcome_form": MediationOutcomeForm() if handler else None,
        "outcome_for": None,
    }
    return context | forms


def _triage_form(user: Any, case: Case, data: Any = None) -> TriageForm | None:
    """The category chooser, for the handling unit while the case waits for triage."""
    if not case.needs_triage or case.status not in Case.OPEN_STATUSES:
        return None
    if not may_handle(user, case):
        return None
    return TriageForm(data, suggested=suggested_categories(case))


def suggested_categories(case: Case) -> list[str]:
    """Triage's best guess and its alternatives, in its order (codes, without repeats)."""
    result = case.triage or {}
    codes = [result.get("category"), *(a.get("code") for a in result.get("alternatives") or [])]
    return list(dict.fromkeys(c for c in codes if isinstance(c, str) and c))


@login_required
@require_POST
def triage_case(request: HttpRequest, number: str) -> HttpResponse:
    case = handled_case(request, number)
    form = _triage_form(request.user, case, request.POST)
    if form is None:
        messages.error(request, _("This case is not waiting for triage."))
        return redirect("cases:detail", number=case.number)
    if not form.is_valid():
        messages.error(request, _("Choose one of the allowed values."))
        return redirect("cases:detail", number=case.number)
    try:
        with transaction.atomic():
            locked = locked_case(case)
            actions.triage_case(locked, actor=request.user, **form.cleaned_data)
    except CaseError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Saved."))
    return redirect("cases:detail", number=case.number)


@require_POST
def feedback(request: HttpRequest, number: str) -> HttpResponse:
    case, _staff = _case_for(request, number)
    reporter = (request.user.is_authenticated and case.reporter_id == request.user.pk) or (
        case.number in request.session.get(FOLLOW_SESSION, []) and case.reporter_id is None
    )
    if not reporter:
        raise Http404(_("Not found."))
    form = FeedbackForm(request.POST)
    if form.is_valid():
        user = request.user if request.user.is_authenticated else None
        try:
            with transaction.atomic():
                locked = Case.objects.select_for_update().get(pk=case.pk)
                actions.give_feedback(locked, actor=user, **form.cleaned_data)
        except CaseError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Thank you for your feedback."))
    else:
        for problems in form.errors.values():
            for problem in problems:
                messages.error(request, str(problem))
    return redirect("cases:detail", number=case.number)


# What the workbench offers (closing and reopening belong to the resident's feedback).
STAFF_ACTIONS = {
    name: handling.TRANSITIONS[name]
    for name in ("accept", "start", "resolve", "escalate", "suspend", "resume", "reject")
}


@login_required
@require_POST
def act(request: HttpRequest, number: str) -> HttpResponse:
    case = handled_case(request, number)
    form = StaffActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the allowed values."))
        return redirect("cases:detail", number=case.number)
    action, text = form.cleaned_data["action"], form.cleaned_data["text"]
    try:
        with transaction.atomic():
            locked = locked_case(case)
            if action == "merge":
                into = visible_case(request.user, form.cleaned_data["into"])
                if into is None:
                    raise CaseError(_("There is no open case with this number."), field="into")
                actions.merge_into(locked, into, actor=request.user)
            elif action in STAFF_ACTIONS:
                function, argument = STAFF_ACTIONS[action]
                function(locked, actor=request.user, **{argument: text})
            else:
                if not text.strip():
                    raise CaseError(_("This field is required."), field="text")
                event = actions.add_note(locked, actor=request.user, note=text, public=False)
                if action == "follow_up":
                    CaseEvent.objects.filter(pk=event.pk).update(kind=CaseEvent.Kind.FOLLOW_UP)
            photos = request.FILES.getlist("photos")
            if photos:
                actions.add_photos(locked, photos, actor=request.user)
    except CaseError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Saved."))
    return redirect("cases:detail", number=case.number)


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    """The in-app list: notices to me and to my units, newest first; opening marks them read."""
    user = request.user
    notices = Notification.objects.filter(
        Q(user_id=user.pk) | Q(unit_id__in=staff_units(user))
    ).select_related("case")
    page = list(notices.order_by("-created_at")[:100])
    unread = [n.pk for n in page if n.read_at is None]
    Notification.objects.filter(pk__in=unread).update(read_at=timezone.now())
    return render(request, "cases/notifications.html", {"notices": page, "unread": set(unread)})


# --- the workbench and the board -------------------------------------------------------------


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    user = request.user
    if scope_prefixes(user) is not None and not staff_units(user):
        raise Http404(_("Not found."))
    now = timezone.now()
    cases = Case.objects.visible_to(user).select_related("category", "unit")
    status = request.GET.get("status", "open")
    if status == "open":
        cases = cases.filter(status__in=Case.OPEN_STATUSES)
    elif status in Case.Status.values:
        cases = cases.filter(status=status)
    tier = request.GET.get("tier", "")
    if tier in Tier.values:
        cases = cases.filter(tier=tier)
    category = request.GET.get("category", "")[:64]
    if category:
        cases = cases.filter(category__code__startswith=category)
    if request.GET.get("overdue") == "1":
        cases = cases.filter(status__in=Case.OPEN_STATUSES, due_at__lte=now)
    needs_triage = request.GET.get("needs_triage") == "1"
    if needs_triage:
        cases = cases.filter(needs_triage=True)
    # each with its lateness as the case page shows it: only while the deadline clock runs
    shown = [
        (case, deadlines.lateness(case.due_at, case.warn_at, now) if case.is_running else "")
        for case in cases.order_by("-created_at", "-id")[:50]
    ]
    context = {
        "cases": shown,
        "now": now,
        "status": status,
        "tier": tier,
        "category": category,
        "overdue": request.GET.get("overdue") == "1",
        "needs_triage": needs_triage,
        "waiting_for_triage": Case.objects.visible_to(user)
        .filter(needs_triage=True, status__in=Case.OPEN_STATUSES)
        .count(),
        "statuses": Case.Status.choices,
        "tiers": Tier.choices,
        "work_orders_open": WorkOrder.objects.filter(
            to_unit_id__in=staff_units(user), status__in=WorkOrder.OPEN_STATUSES
        ).count(),
    }
    return render(request, "cases/inbox.html", context)


def _board_allowed(user: Any) -> bool:
    if not user.is_authenticated:
        return False
    if scope_prefixes(user) is None:
        return True
    return user.memberships.filter(is_active=True, role__in=["district_staff"]).exists()


@login_required
def command_board(request: HttpRequest) -> HttpResponse:
    if not _board_allowed(request.user):
        raise Http404(_("Not found."))
    now = timezone.now()
    live = bool(request.headers.get("HX-Request"))
    context = {
        "figures": board.figures(now),
        "rows": board.open_cases_list(request.user, now),
        "now": now,
        "refresh": 15,
        "live": live,
    }
    # The periodic refresh gets the figures and, swapped out of band, the list of open cases.
    template = "cases/_board_live.html" if live else "cases/board.html"
    return render(request, template, context)


@login_required
def board_cases(request: HttpRequest) -> HttpResponse:
    """Open cases as GeoJSON points for the board's map."""
    from django.http import JsonResponse

    if not _board_allowed(request.user):
        raise Http404(_("Not found."))
    return JsonResponse(board.open_cases_geojson(timezone.now(), limit=2000))
