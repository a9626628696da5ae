"""Admin: the category tree and routing rules (editable, audited, CSV import/export); cases and
their timelines read-only — cases change only through the workbench and the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _

from linli.cases.models import Case, CaseEvent, Category, RoutingRule
from linli.cases.rules_io import export_rules, import_rules
from linli.core.audit import AuditKind, record


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    list_display = [
        "code",
        "name_zh",
        "name_en",
        "police_matter",
        "unit_kind",
        "deadline_community",
        "deadline_street",
        "deadline_district",
        "private",
        "open311_code",
        "is_active",
    ]
    list_filter = ["police_matter", "private", "unit_kind", "is_active"]
    search_fields = ["code", "name_zh", "name_en", "open311_code"]
    ordering = ["code"]

    def save_model(self, request: HttpRequest, obj: Category, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        record(
            AuditKind.CATEGORY_CHANGED,
            actor=request.user,
            obj=obj,
            after={name: str(form.cleaned_data.get(name)) for name in form.changed_data},
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # cases point at categories: deactivate instead


class ImportRulesForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))
    replace = forms.BooleanField(label=_("Delete the rules the file does not name"), required=False)


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin[RoutingRule]):
    list_display = ["category_prefix", "area_prefix", "tier", "unit", "note"]
    list_filter = ["tier"]
    search_fields = ["category_prefix", "area_prefix", "unit__name", "unit__code"]
    autocomplete_fields = ["unit"]
    change_list_template = "admin/cases/routingrule/change_list.html"
    actions = ["export_csv"]

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="cases_routingrule_import",
            ),
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name="cases_routingrule_export",
            ),
        ]
        return own + super().get_urls()

    def save_model(self, request: HttpRequest, obj: RoutingRule, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        record(AuditKind.ROUTING_RULE_CHANGED, actor=request.user, obj=obj, note=str(obj))

    def delete_model(self, request: HttpRequest, obj: RoutingRule) -> None:
        record(AuditKind.ROUTING_RULE_CHANGED, actor=request.user, note=f"deleted {obj}")
        super().delete_model(request, obj)

    @admin.action(description=_("Export all rules as CSV"))
    def export_csv(self, request: HttpRequest, queryset: QuerySet[RoutingRule]) -> HttpResponse:
        return self.export_view(request)

    def export_view(self, request: HttpRequest) -> HttpResponse:
        response = HttpResponse(export_rules(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="routing-rules.csv"'
        return response

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_change_permission(request):
            return redirect("admin:cases_routingrule_changelist")
        form = ImportRulesForm(*((request.POST, request.FILES) if request.method == "POST" else ()))
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            try:
                text = form.cleaned_data["file"].read().decode("utf-8-sig")
            except UnicodeDecodeError:
                errors = [str(_("The file is not UTF-8 text."))]
            else:
                report = import_rules(
                    text, actor=request.user, replace=form.cleaned_data["replace"]
                )
                errors = report.errors
                if not errors:
                    messages.success(
                        request,
                        _("%(created)d created, %(updated)d updated, %(deleted)d deleted.")
                        % {
                            "created": report.created,
                            "updated": report.updated,
                            "deleted": report.deleted,
                        },
                    )
                    return redirect("admin:cases_routingrule_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import routing rules"),
            "form": form,
            "errors": errors,
            "opts": self.model._meta,
        }
        return render(request, "admin/cases/routingrule/import.html", context)


class CaseEventInline(admin.TabularInline[CaseEvent, Case]):
    model = CaseEvent
    extra = 0
    can_delete = False
    fields = readonly_fields = ("at", "kind", "actor", "public", "note")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin[Case]):
    list_display = ["number", "kind", "category", "status", "tier", "unit", "created_at", "due_at"]
    list_filter = ["status", "tier", "kind", "channel"]
    search_fields = ["number"]
    list_select_related = ["category", "unit"]
    exclude = ["reporter_name", "contact_phone", "follow_up_digest"]
    inlines = [CaseEventInline]
    show_full_result_count = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Case._meta.fields if f.name not in self.exclude]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
