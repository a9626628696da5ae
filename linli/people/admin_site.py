"""The admin site: staff sign in through Linli's own sign-in (password + TOTP), and the admin
requires a TOTP-verified session whenever LINLI_REQUIRE_TOTP is on."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class LinliAdminSite(admin.AdminSite):
    site_header = _("Linli administration")
    site_title = _("Linli administration")

    def has_permission(self, request: HttpRequest) -> bool:
        if not super().has_permission(request):
            return False
        verified = getattr(request.user, "is_verified", lambda: False)
        return not settings.LINLI_REQUIRE_TOTP or bool(verified())

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        return redirect_to_login(request.get_full_path(), reverse("people:login"))
