from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from linli.gateways.models import OpenClient


@admin.register(OpenClient)
class OpenClientAdmin(admin.ModelAdmin[OpenClient]):
    """Keys are created with `linli manage open311_key create NAME` (shown once); here an
    administrator sees the clients and can deactivate one."""

    list_display = ["name", "key_prefix", "is_active", "created_at"]
    fields = ["name", "key_prefix", "is_active", "created_at"]
    readonly_fields = ["name", "key_prefix", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
