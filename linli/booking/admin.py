"""Admin: service points with their windows, weekly plans and date exceptions (editable);
bookings, visits and tickets read-only — they change only through the actions."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from linli.booking.models import (
    Booking,
    OpeningPlan,
    PlanException,
    ServicePoint,
    Ticket,
    Visit,
    Window,
)


class WindowInline(admin.TabularInline[Window, ServicePoint]):
    model = Window
    extra = 0


class PlanInline(admin.TabularInline[OpeningPlan, ServicePoint]):
    model = OpeningPlan
    extra = 0


class ExceptionInline(admin.TabularInline[PlanException, ServicePoint]):
    model = PlanException
    extra = 0


@admin.register(ServicePoint)
class ServicePointAdmin(admin.ModelAdmin[ServicePoint]):
    list_display = ["name", "kind", "address", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "address"]
    raw_id_fields = ["unit"]
    inlines = [WindowInline, PlanInline, ExceptionInline]


class ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Booking)
class BookingAdmin(ReadOnly, admin.ModelAdmin[Booking]):
    list_display = ["reference", "slot", "matter", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["reference", "matter"]


@admin.register(Visit)
class VisitAdmin(ReadOnly, admin.ModelAdmin[Visit]):
    list_display = ["reference", "status", "area_code", "proposed_at", "done_at"]
    list_filter = ["status"]


@admin.register(Ticket)
class TicketAdmin(ReadOnly, admin.ModelAdmin[Ticket]):
    list_display = ["label", "point", "date", "status", "matter"]
    list_filter = ["status", "kind"]
