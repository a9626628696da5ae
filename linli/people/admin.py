from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from linli.core import crypto
from linli.people.models import ApiToken, Membership, Shift, SmsMessage, Unit, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Personal data appears masked; search by full phone or ID number uses the blind index."""

    list_display = [
        "username",
        "masked_name",
        "masked_phone",
        "is_real_name",
        "is_active",
        "is_demo",
    ]
    list_filter = ["is_active", "is_real_name", "is_demo", "is_staff"]
    search_fields = ["username"]
    readonly_fields = [
        "masked_name",
        "masked_phone",
        "masked_id_number",
        "last_login",
        "date_joined",
    ]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            _("Personal data (masked)"),
            {"fields": ("masked_name", "masked_phone", "masked_id_number", "is_real_name")},
        ),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[User], search_term: str
    ) -> tuple[QuerySet[User], bool]:
        found, duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            by_index = queryset.filter(
                phone_index=crypto.blind_index(term, purpose="phone")
            ) | queryset.filter(id_number_index=crypto.blind_index(term, purpose="id_number"))
            if term.isdigit() and len(term) == 11:
                by_index |= queryset.filter(
                    phone_index=crypto.blind_index("+86" + term, purpose="phone")
                )
            found = found | by_index
        return found, duplicates


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin[Unit]):
    list_display = ["code", "name", "kind", "area_code", "department", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name", "area_code"]
    raw_id_fields = ["parent"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    list_display = ["user", "role", "unit", "is_active", "since"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__username", "unit__name", "unit__code"]
    raw_id_fields = ["user", "unit"]


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin[Shift]):
    list_display = ["unit", "officer", "post", "starts_at", "ends_at"]
    list_filter = ["post"]
    search_fields = ["unit__name", "officer__username"]
    raw_id_fields = ["unit", "officer"]
    date_hierarchy = "starts_at"


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    list_display = [
        "name",
        "user",
        "prefix",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    readonly_fields = ["user", "prefix", "digest", "created_at", "last_used_at"]
    search_fields = ["user__username", "prefix", "name"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tokens are made by their owner (account page) or `create_token`


@admin.register(SmsMessage)
class SmsMessageAdmin(admin.ModelAdmin[SmsMessage]):
    """The outbox of the local SMS backend: what would have been texted, phones masked."""

    list_display = ["created_at", "masked_phone", "body", "backend", "status"]
    list_filter = ["backend", "status"]
    fields = ["created_at", "masked_phone", "body", "backend", "status", "provider_id"]
    readonly_fields = ["created_at", "masked_phone", "body", "backend", "status", "provider_id"]

    @admin.display(description=_("phone"))
    def masked_phone(self, obj: SmsMessage) -> str:
        return crypto.mask_phone(obj.phone)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
