from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from linli.places import actions
from linli.places.models import Area, PoliceRoom, PoliceStation, TrafficSquad


class AreaForm(forms.ModelForm[Area]):
    class Meta:
        model = Area
        fields = ["name", "geometry"]

    def clean_geometry(self) -> Any:
        geometry, problem = actions.check_geometry(self.cleaned_data["geometry"])
        if geometry is None:
            raise forms.ValidationError(problem or "")
        return geometry


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin[Area]):
    form = AreaForm
    list_display = ["code", "name", "level", "updated_at"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    ordering = ["code"]
    readonly_fields = ["code", "level", "parent", "centroid_lon", "centroid_lat", "updated_at"]
    fields = [
        "code",
        "name",
        "level",
        "parent",
        "geometry",
        "centroid_lon",
        "centroid_lat",
        "updated_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # areas come from GeoJSON: `linli places import`

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Area, form: Any, change: bool) -> None:
        before = {name: form.initial.get(name) for name in form.changed_data}
        actions.update_area(obj, actor=request.user, before=before, changed=form.changed_data)


@admin.register(PoliceStation)
class PoliceStationAdmin(admin.ModelAdmin[PoliceStation]):
    list_display = ["name", "phone", "address"]
    search_fields = ["name"]


@admin.register(PoliceRoom)
class PoliceRoomAdmin(admin.ModelAdmin[PoliceRoom]):
    list_display = ["name", "brand", "station", "phone", "named_officer", "backup_officer"]
    list_filter = ["station"]
    search_fields = ["name", "brand", "address"]
    autocomplete_fields = ["micro_grids"]
    raw_id_fields = ["named_officer", "backup_officer", "unit"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[PoliceRoom]:
        return (
            super()
            .get_queryset(request)
            .select_related("station", "named_officer", "backup_officer")
        )

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        codes = [area.code for area in form.cleaned_data.get("micro_grids", [])]
        super().save_related(request, form, formsets, change)
        actions.set_room_micro_grids(form.instance, codes, actor=request.user)


@admin.register(TrafficSquad)
class TrafficSquadAdmin(admin.ModelAdmin[TrafficSquad]):
    list_display = ["name", "phone", "address"]
    autocomplete_fields = ["areas"]
