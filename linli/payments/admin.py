"""Read-only screens: orders, refunds and the notification log are changed only by actions."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from linli.payments.models import PaymentNotice, PaymentOrder, PaymentRefund


class ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PaymentOrder)
class PaymentOrderAdmin(ReadOnly, admin.ModelAdmin[PaymentOrder]):
    list_display = ["out_trade_no", "subject", "amount_fen", "status", "provider", "created_at"]
    list_filter = ["status", "provider", "purpose_kind"]
    search_fields = ["out_trade_no", "provider_trade_no", "purpose_reference"]


@admin.register(PaymentRefund)
class PaymentRefundAdmin(ReadOnly, admin.ModelAdmin[PaymentRefund]):
    list_display = ["request_no", "order", "amount_fen", "status", "created_at"]
    list_filter = ["status"]


@admin.register(PaymentNotice)
class PaymentNoticeAdmin(ReadOnly, admin.ModelAdmin[PaymentNotice]):
    list_display = ["received_at", "provider", "notify_id", "outcome", "signature_valid", "order"]
    list_filter = ["outcome", "signature_valid", "provider"]
