"""Sign-in pages and the account page.

Staff: username and password, then a TOTP code (enrolling a device the first time) unless
LINLI_REQUIRE_TOTP is off (demo mode). Residents: mobile number and a one-time code by SMS.
"""

from __future__ import annotations

from base64 import b32encode
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from linli.core import ratelimit
from linli.core.audit import AuditKind, record
from linli.people import actions
from linli.people.forms import CodeForm, PhoneCodeForm, PhoneForm, TokenForm
from linli.people.models import STAFF_ROLES, ApiToken, User

PENDING = "linli_pending_user"


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/"


def _posted(request: HttpRequest) -> Any:
    """The submitted data, or None for a GET: an empty POST is bound, so it shows errors."""
    return request.POST if request.method == "POST" else None


def _ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


def is_staff_member(user: User) -> bool:
    return (
        user.is_superuser
        or user.is_staff
        or user.memberships.filter(is_active=True, role__in=[str(r) for r in STAFF_ROLES]).exists()
    )


def _limited(request: HttpRequest, scope: str, key: str, rate: str) -> bool:
    return not (ratelimit.hit(scope, _ip(request), rate) and ratelimit.hit(scope, key, rate))


def staff_login(request: HttpRequest) -> HttpResponse:
    form = AuthenticationForm(request, data=_posted(request))
    if request.method == "POST":
        if _limited(request, "login", request.POST.get("username", ""), settings.LINLI_LOGIN_RATE):
            messages.error(request, _("Too many attempts. Wait a few minutes and try again."))
            return render(request, "registration/login.html", {"form": form}, status=429)
        if form.is_valid():
            user = form.get_user()
            if settings.LINLI_REQUIRE_TOTP and is_staff_member(user):
                request.session[PENDING] = user.pk
                request.session["linli_next"] = _next(request)
                return redirect("people:totp")
            auth_login(request, user)
            record(AuditKind.LOGIN_SUCCEEDED, actor=user, obj=user, note="password")
            return redirect(_next(request))
        record(AuditKind.LOGIN_FAILED, actor=None, note=request.POST.get("username", "")[:150])
    return render(request, "registration/login.html", {"form": form, "next": _next(request)})


def totp(request: HttpRequest) -> HttpResponse:
    """The second step: a TOTP code; the first time, enrol a device from a QR code."""
    user = User.objects.filter(pk=request.session.get(PENDING)).first()
    if user is None:
        return redirect("people:login")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    enrolling = device is None
    if enrolling:
        device = TOTPDevice.objects.filter(
            user=user, confirmed=False
        ).first() or TOTPDevice.objects.create(user=user, name="Linli", confirmed=False)
    form = CodeForm(_posted(request))
    if request.method == "POST":
        if _limited(request, "totp", str(user.pk), settings.LINLI_LOGIN_RATE):
            messages.error(request, _("Too many attempts. Wait a few minutes and try again."))
        elif not device.verify_is_allowed()[0]:
            # django-otp throttles a device after a wrong code: 1 s, then doubling.
            form.add_error("code", _("Wait a few seconds before the next code."))
        elif form.is_valid() and device.verify_token(form.cleaned_data["code"]):
            if enrolling:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                record(AuditKind.TOTP_DEVICE_ADDED, actor=user, obj=user)
            auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            otp_login(request, device)
            record(AuditKind.LOGIN_SUCCEEDED, actor=user, obj=user, note="password + TOTP")
            target = request.session.pop("linli_next", "/")
            request.session.pop(PENDING, None)
            return redirect(target)
        else:
            form.add_error("code", _("The code is not right."))
    context: dict[str, Any] = {"form": form, "enrolling": enrolling}
    if enrolling:
        context["qr_svg"] = segno.make(device.config_url, error="m").svg_inline(scale=4)
        context["secret"] = b32encode(device.bin_key).decode()  # what authenticator apps take
    return render(request, "people/totp.html", context)


def resident_login(request: HttpRequest) -> HttpResponse:
    """Step one: the mobile number; a code is texted to it."""
    form = PhoneForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"]
        if _limited(request, "code", phone, settings.LINLI_CODE_RATE):
            messages.error(request, _("Too many codes requested. Try again later."))
            return render(request, "people/resident_login.html", {"form": form}, status=429)
        try:
            actions.send_login_code(phone)
        except actions.PeopleError as error:
            form.add_error("phone", error.message)
        else:
            request.session["linli_phone"] = phone
            return redirect("people:resident_verify")
    return render(request, "people/resident_login.html", {"form": form})


def resident_verify(request: HttpRequest) -> HttpResponse:
    form = PhoneCodeForm(
        _posted(request), initial={"phone": request.session.get("linli_phone", "")}
    )
    if request.method == "POST" and form.is_valid():
        if _limited(request, "verify", form.cleaned_data["phone"], settings.LINLI_LOGIN_RATE):
            messages.error(request, _("Too many attempts. Wait a few minutes and try again."))
            return render(request, "people/resident_verify.html", {"form": form}, status=429)
        try:
            user = actions.verify_login_code(form.cleaned_data["phone"], form.cleaned_data["code"])
        except actions.PeopleError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("people:account")
    return render(request, "people/resident_verify.html", {"form": form})


@login_required
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    context = {
        "roles": user.memberships.filter(is_active=True).select_related("unit"),
        "tokens": ApiToken.objects.filter(user=user, revoked_at__isnull=True).order_by(
            "-created_at"
        ),
        "form": TokenForm(),
        "new_token": request.session.pop("linli_new_token", None),
    }
    return render(request, "people/account.html", context)


@login_required
@require_POST
def create_token(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    user = request.user
    assert isinstance(user, User)
    if form.is_valid():
        new = actions.create_api_token(
            user, actor=user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
        )
        request.session["linli_new_token"] = new.token  # shown once, on the next page
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    return redirect("people:account")


@login_required
@require_POST
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    row = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).first()
    if row is not None:
        actions.revoke_api_token(row, actor=user)
        messages.success(request, _("The token was revoked."))
    return redirect("people:account")
