"""Admin: matters with their materials inline (edits audited), and the whole catalogue as xlsx
(import all or nothing, export) for administrators who keep it in a spreadsheet."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms.fields import InvalidJSONInput
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _

from linli.core import crypto
from linli.hall import actions
from linli.hall.catalogue import MATTER_FIELDS
from linli.hall.catalogue_io import export_xlsx, import_xlsx
from linli.hall.models import Application, Certificate, Channel, Material, Matter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class MaterialInline(admin.TabularInline[Material, Matter]):
    model = Material
    extra = 0
    fields = ["position", "name", "required", "certificate_type", "note"]


class DeclarationField(forms.JSONField):
    """The form declaration as JSON text; a value nested too deep for the parser is an error
    on the field, not a crash."""

    def to_python(self, value: Any) -> Any:
        try:
            return super().to_python(value)
        except RecursionError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

    def bound_data(self, data: Any, initial: Any) -> Any:
        try:
            return super().bound_data(data, initial)
        except RecursionError:  # shown again as the text that was typed
            return InvalidJSONInput(data)


class MatterForm(forms.ModelForm[Matter]):
    form = DeclarationField(label=_("application form fields"), required=False)
    channels = forms.MultipleChoiceField(
        label=_("channels"), choices=Channel.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Matter
        fields = MATTER_FIELDS


class ImportMattersForm(forms.Form):
    file = forms.FileField(label=_("xlsx workbook"))


@admin.register(Matter)
class MatterAdmin(admin.ModelAdmin[Matter]):
    form = MatterForm
    inlines = [MaterialInline]
    list_display = ["code", "name_zh", "domain", "kind", "level", "fee_fen", "promised_days"]
    list_filter = ["domain", "kind", "level", "delegated_to_police_rooms", "is_active"]
    search_fields = ["code", "name_zh", "name_en"]
    change_list_template = "admin/hall/matter/change_list.html"
    actions = ["export_xlsx_action"]

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "import/", self.admin_site.admin_view(self.import_view), name="hall_matter_import"
            ),
            path(
                "export/", self.admin_site.admin_view(self.export_view), name="hall_matter_export"
            ),
        ]
        return own + super().get_urls()

    def save_model(self, request: HttpRequest, obj: Matter, form: Any, change: bool) -> None:
        old = Matter.objects.filter(pk=obj.pk).first() if change else None
        request._matter_before = actions.snapshot(old) if old else None  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        before = getattr(request, "_matter_before", None)
        actions.matter_changed(form.instance, actor=request.user, before=before)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # bookings and applications refer to codes: retire a matter as inactive

    @admin.action(description=_("Export the whole catalogue as xlsx"))
    def export_xlsx_action(self, request: HttpRequest, queryset: QuerySet[Matter]) -> HttpResponse:
        return self.export_view(request)

    def export_view(self, request: HttpRequest) -> HttpResponse:
        response = HttpResponse(export_xlsx(), content_type=XLSX)
        name = f"matters-{date.today().isoformat()}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_change_permission(request) or not self.has_add_permission(request):
            return redirect("admin:hall_matter_changelist")
        form = ImportMattersForm(
            *((request.POST, request.FILES) if request.method == "POST" else ())
        )
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            report = import_xlsx(upload.read(), actor=request.user, source=f"admin: {upload.name}")
            errors = report.errors
            if not errors:
                messages.success(
                    request,
                    _("%(created)d created, %(updated)d updated.")
                    % {"created": report.created, "updated": report.updated},
                )
                return redirect("admin:hall_matter_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import the catalogue of matters"),
            "form": form,
            "errors": errors,
            "opts": self.model._meta,
        }
        status = 400 if errors or form.errors else 200
        return render(request, "admin/hall/matter/import.html", context, status=status)


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    """Shown to administrators, changed only by the actions that own the rows."""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [str(name) for name in self.fields or []]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    """The library is a mirror of what other agencies issue (`linli manage import_certificates`):
    administrators look, nobody edits. Holders are shown masked."""

    list_display = [
        "cert_type",
        "masked_number",
        "masked_holder",
        "subject",
        "issuer",
        "valid_from",
        "valid_until",
        "revoked",
    ]
    fields = [str(name) for name in list_display]
    list_filter = ["cert_type", "revoked"]

    @admin.display(description=_("holder"))
    def masked_holder(self, obj: Certificate) -> str:
        return f"{crypto.mask_name(obj.holder_name)} {crypto.mask_id_number(obj.holder_id_number)}"

    @admin.display(description=_("certificate number"))
    def masked_number(self, obj: Certificate) -> str:
        return obj.masked_number


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    """Applications are handled on their pages, step by step; the admin only lists them."""

    list_display = ["number", "matter", "status", "submitted_at", "due_at", "overdue_at"]
    list_filter = ["status", "delivery", "matter__domain"]
    search_fields = ["number", "permit_number", "tracking_number"]
    fields = [
        "number",
        "matter",
        "status",
        "area_code",
        "submitted_at",
        "due_at",
        "overdue_at",
        "fee_fen",
        "delivery",
        "permit_number",
        "carrier",
        "tracking_number",
    ]
