"""Admin: consultations and used e-ID codes, read-only — they change only through the actions."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from linli.identity.models import Consultation, ConsultationMessage, UsedEidCode


class ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MessageInline(ReadOnly, admin.TabularInline[ConsultationMessage, Consultation]):
    model = ConsultationMessage
    fields = ["created_at", "from_staff", "body"]
    readonly_fields = ["created_at", "from_staff", "body"]
    extra = 0


@admin.register(Consultation)
class ConsultationAdmin(ReadOnly, admin.ModelAdmin[Consultation]):
    list_display = ["subject", "unit", "status", "created_at", "first_reply_at"]
    list_filter = ["status"]
    search_fields = ["subject"]
    exclude = ["resident", "officer"]  # shown masked elsewhere; no full name here
    inlines = [MessageInline]


@admin.register(UsedEidCode)
class UsedEidCodeAdmin(ReadOnly, admin.ModelAdmin[UsedEidCode]):
    list_display = ["jti", "used_at", "expires_at", "verifier"]
