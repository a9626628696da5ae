"""The payments API at /api/v1/payments/: the providers' notification endpoint and the
payer's (or staff's) view of an order."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from linli.core.access import get_visible_or_404_api
from linli.payments import actions
from linli.payments.models import PaymentOrder
from linli.payments.providers import PROVIDERS
from linli.people.auth import session_or_token

router = Router(tags=["payments"])


class OrderOut(Schema):
    out_trade_no: str
    subject: str
    amount_fen: int
    currency: str
    status: str
    purpose_kind: str
    purpose_reference: str
    pay_url: str
    expires_at: datetime
    paid_at: datetime | None
    refunded_fen: int


def _text(body: str, status: int) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")


@router.post(
    "/notify/{provider}",
    auth=None,
    url_name="payments_notify",
    summary="A payment provider's asynchronous notification",
    description=(
        "Called by the provider, not by people: the signature in the form body is the "
        "authentication (docs/payments.md). Answers `success` (200) when the notice is "
        "recorded, also for a repeat; `fail` (400) when it is refused, which is logged."
    ),
    response={200: str, 400: str, 404: str},
)
def notify(request: HttpRequest, provider: str) -> HttpResponse:
    if provider not in PROVIDERS:
        return _text("fail", 404)
    result = actions.handle_notification(provider, request.headers, request.body)
    return _text("success", 200) if result.accepted else _text("fail", 400)


@router.get(
    "/orders/{out_trade_no}",
    auth=session_or_token(),
    response=OrderOut,
    summary="A payment order (its payer, or staff of its area)",
)
def order(request: HttpRequest, out_trade_no: str) -> PaymentOrder:
    mine = PaymentOrder.objects.visible_to(request.auth)  # type: ignore[attr-defined]
    return get_visible_or_404_api(mine.numbered(out_trade_no))
