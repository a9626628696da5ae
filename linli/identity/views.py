"""Pages: my e-ID (a QR code that renews itself), the officer's verification page, and online
consultations for residents and the staff of police rooms."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core.access import get_visible_or_404
from linli.identity import actions, eid
from linli.identity.actions import IdentityError
from linli.identity.api import qr_svg
from linli.identity.eid import EidError, Reason
from linli.identity.forms import ConsultationForm, MessageForm, VerifyForm
from linli.identity.models import Consultation
from linli.people.models import Unit, User, is_staff


def _me(request: HttpRequest) -> User:
    return cast(User, request.user)


@login_required
def my_eid(request: HttpRequest) -> HttpResponse:
    has_identity = actions.has_identity(_me(request))
    return render(
        request,
        "identity/eid.html",
        {"has_identity": has_identity},
        status=200 if has_identity else 403,
    )


@login_required
@require_POST
def eid_code(request: HttpRequest) -> HttpResponse:
    """The QR fragment, fetched by htmx on load and again before the code expires."""
    try:
        issued = actions.issue_eid(_me(request), actor=request.user)
    except IdentityError as exc:
        return HttpResponse(exc.message, status=exc.status)
    except ImproperlyConfigured:
        return HttpResponse(_("The e-ID is not configured on this server."), status=503)
    context = {"issued": issued, "qr_svg": qr_svg(issued.token)}
    return render(request, "identity/_eid_code.html", context)


def _offline_verifier() -> dict[str, object] | None:
    """What verify.js needs to check a code in the browser with no network: the public key, the
    format's limits and the words for each verdict. None when the server has no e-ID key (the
    page then posts the form as it does without JavaScript)."""
    try:
        key = eid.signing_key()
    except ImproperlyConfigured:
        return None
    return {
        "public_key": eid.public_key_b64(key),
        "prefix": eid.PREFIX,
        "lifetime_seconds": int(eid.LIFETIME.total_seconds()),
        "clock_skew_seconds": int(eid.CLOCK_SKEW.total_seconds()),
        "max_chars": eid.MAX_TOKEN_CHARS,
        "verify_url": reverse("api:identity_verify_eid"),
        "reasons": {str(reason): actions.reason_message(reason) for reason in Reason},
        "words": _verifier_words(),
    }


def _verifier_words() -> dict[str, str]:
    return {
        "valid": _("Valid e-ID"),
        "refused": _("Not accepted"),
        "photo": _("Photo reference"),
        "no_photo": _("No photo on record: compare the person with another document if in doubt."),
        "issued_at": _("Issued at"),
        "valid_until": _("valid until"),
        "offline_ok": _("Signature valid (offline check on this device)."),
        "offline_refused": _("Refused by the offline check:"),
        "offline_unavailable": _(
            "This device cannot check codes offline here (the page is not served over HTTPS)."
        ),
        "server_pending": _("Asking the server whether this is the code's first use…"),
        "server_ok": _("Confirmed by the server: first use, recorded."),
        "server_refused": _("Refused by the server:"),
        "server_unreachable": _(
            "No network: checked on this device only, not yet for a second use. The server "
            "will be asked when the connection returns."
        ),
        "server_error": _("The server could not confirm this code:"),
    }


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    if not is_staff(request.user):
        return render(request, "identity/verify.html", {"forbidden": True}, status=403)
    form = VerifyForm(request.POST or None)
    context: dict[str, object] = {"form": form, "verifier": _offline_verifier()}
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            context["claims"] = actions.verify_eid(form.cleaned_data["token"], actor=request.user)
        except EidError as exc:
            context["refusal"] = {
                "reason": exc.reason,
                "message": actions.reason_message(exc.reason),
            }
            status = 400
        except ImproperlyConfigured:
            context["refusal"] = {"message": _("The e-ID is not configured on this server.")}
            status = 503
        form = VerifyForm()  # an empty field, ready for the next person
        context["form"] = form
    elif request.method == "POST":
        status = 400
    return render(request, "identity/verify.html", context, status=status)


# --- consultations ----------------------------------------------------------------------------


@login_required
def consultations(request: HttpRequest) -> HttpResponse:
    rows = Consultation.objects.visible_to(request.user).select_related("unit", "resident")
    status = request.GET.get("status", "")
    if status in Consultation.Status.values:
        rows = rows.filter(status=status)
    context = {
        "rows": rows[:100],
        "status": status,
        "statuses": Consultation.Status.choices,
        "is_staff": is_staff(request.user),
    }
    return render(request, "identity/consultations.html", context)


def _room(raw: str | None) -> Unit | None:
    if not raw or not raw.isdigit() or len(raw) > 15:
        return None
    return Unit.objects.filter(pk=int(raw), kind=Unit.Kind.POLICE_ROOM, is_active=True).first()


@login_required
def new_consultation(request: HttpRequest) -> HttpResponse:
    room = _room(request.POST.get("unit") or request.GET.get("unit"))
    data = request.POST if request.method == "POST" else None
    form = ConsultationForm(data, room=room, initial={"unit": room})
    if data is not None and form.is_valid():
        try:
            fields = form.cleaned_data
            row = actions.open_consultation(
                actor=_me(request),
                unit=fields["unit"],
                officer=fields["officer"],
                subject=fields["subject"],
                body=fields["text"],
            )
        except IdentityError as exc:
            form.add_error(exc.field or None, exc.message)
        else:
            messages.success(request, _("Sent. The police room will reply here."))
            return redirect("identity:consultation", consultation_id=row.pk)
    status = 400 if data is not None else 200
    context = {"form": form, "room": room}
    return render(request, "identity/new_consultation.html", context, status=status)


@login_required
def consultation(request: HttpRequest, consultation_id: int) -> HttpResponse:
    row = get_visible_or_404(
        Consultation.objects.visible_to(request.user).select_related("unit", "officer", "resident"),
        pk=consultation_id,
    )
    form = MessageForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.add_message(row, actor=_me(request), body=form.cleaned_data["text"])
            except IdentityError as exc:
                form.add_error("text" if exc.field else None, exc.message)
                status = exc.status
            else:
                return redirect("identity:consultation", consultation_id=row.pk)
        else:
            status = 400
    context = {
        "row": row,
        "thread": row.messages.select_related("author"),
        "form": form,
        "may_reply": row.resident_id == request.user.pk
        or actions.works_in(request.user, row.unit_id),
    }
    return render(request, "identity/consultation.html", context, status=status)


@login_required
@require_POST
def close(request: HttpRequest, consultation_id: int) -> HttpResponse:
    row = get_visible_or_404(Consultation.objects.visible_to(request.user), pk=consultation_id)
    try:
        actions.close_consultation(row, actor=_me(request))
    except IdentityError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The consultation is closed."))
    return redirect("identity:consultation", consultation_id=row.pk)
