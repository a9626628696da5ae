"""Admin screens: the holiday calendar (editable, audited) and the audit log (read-only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from linli.core import actions
from linli.core.audit import AuditKind
from linli.core.models import AuditEvent, CalendarYear, Holiday

# --- the calendar ---------------------------------------------------------------------------


class YearFilter(admin.SimpleListFilter):
    title = _("year")
    parameter_name = "year"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        entered = set(CalendarYear.objects.values_list("year", flat=True))
        years = {d.year for d in Holiday.objects.dates("date", "year")} | entered
        return [
            (str(y), f"{y}" if y in entered else f"{y} ({_('not entered')})")
            for y in sorted(years, reverse=True)
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(date__year=int(value))
        return queryset


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin[Holiday]):
    """Enter a new year: add its dates here, select them, run "Mark their years as entered"."""

    list_display = ["date", "weekday", "kind", "name"]
    list_filter = [YearFilter, "kind"]
    search_fields = ["name"]
    date_hierarchy = "date"
    actions = ["mark_years_entered", "delete_selected_holidays"]

    @admin.display(description=_("weekday"))
    def weekday(self, obj: Holiday) -> str:
        return date_format(obj.date, "D")

    def save_model(self, request: HttpRequest, obj: Holiday, form: ModelForm, change: bool) -> None:
        actions.save_holiday(obj, actor=request.user)

    def delete_model(self, request: HttpRequest, obj: Holiday) -> None:
        actions.delete_holiday(obj, actor=request.user)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        found = super().get_actions(request)
        found.pop("delete_selected", None)  # bulk delete would skip the audit
        return found

    @admin.action(description=_("Delete the selected dates"), permissions=["delete"])
    def delete_selected_holidays(self, request: HttpRequest, queryset: QuerySet[Holiday]) -> None:
        count = 0
        for holiday in queryset:
            actions.delete_holiday(holiday, actor=request.user)
            count += 1
        self.message_user(request, ngettext("%d date deleted.", "%d dates deleted.", count) % count)

    @admin.action(description=_("Mark their years as entered"), permissions=["add"])
    def mark_years_entered(self, request: HttpRequest, queryset: QuerySet[Holiday]) -> None:
        years = sorted({h.date.year for h in queryset})
        for year in years:
            source = f"admin: {request.user.get_username()}"
            actions.enter_calendar_year(year, actor=request.user, source=source)
        self.message_user(
            request,
            _("Entered: %(years)s. Deadlines in these years can now be computed.")
            % {"years": ", ".join(map(str, years))},
            messages.SUCCESS,
        )


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin[CalendarYear]):
    """A row here means "this year's holidays are complete"; add it once they are all listed."""

    list_display = ["year", "days_off", "adjusted_workdays", "source", "entered_at"]
    fields = ["year", "source", "days_off", "adjusted_workdays", "entered_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: CalendarYear | None = None) -> Any:
        fixed = ["days_off", "adjusted_workdays", "entered_at"]
        return ["year", *fixed] if obj is not None else fixed

    @admin.display(description=_("days off listed"))
    def days_off(self, obj: CalendarYear) -> int:
        if obj.year is None:
            return 0
        return Holiday.objects.filter(date__year=obj.year, kind=Holiday.Kind.HOLIDAY).count()

    @admin.display(description=_("adjusted workdays listed"))
    def adjusted_workdays(self, obj: CalendarYear) -> int:
        if obj.year is None:
            return 0
        return Holiday.objects.filter(date__year=obj.year, kind=Holiday.Kind.WORKDAY).count()

    def save_model(
        self, request: HttpRequest, obj: CalendarYear, form: ModelForm, change: bool
    ) -> None:
        if change:
            actions.change_calendar_year_source(obj, obj.source, actor=request.user)
        else:
            saved = actions.enter_calendar_year(obj.year, actor=request.user, source=obj.source)
            obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: CalendarYear) -> None:
        actions.withdraw_calendar_year(obj, actor=request.user)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        found = super().get_actions(request)
        found.pop("delete_selected", None)
        return found


# --- the audit log --------------------------------------------------------------------------


class KindFilter(admin.SimpleListFilter):
    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(str(int(kind)), kind.name) for kind in AuditKind]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(kind=int(value))
        return queryset


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    """The audit log: administrators may read it; nobody may add, change or delete a row."""

    list_display = ["at", "kind_name", "actor", "object_type", "object_id", "object_repr", "ip"]
    list_filter = [KindFilter, "at", "object_type"]
    search_fields = ["=object_id", "=request_id"]
    date_hierarchy = "at"
    list_select_related = ["actor"]
    show_full_result_count = False  # a count(*) over a large log on every page is slow

    @admin.display(description=_("kind"), ordering="kind")
    def kind_name(self, obj: AuditEvent) -> str:
        try:
            return AuditKind(obj.kind).name
        except ValueError:
            return str(obj.kind)

    def get_readonly_fields(self, request: HttpRequest, obj: AuditEvent | None = None) -> Any:
        return [f.name for f in AuditEvent._meta.fields] + ["kind_name"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False
