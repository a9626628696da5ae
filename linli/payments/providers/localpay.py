"""The adapter for the local provider (``linli.payments.localpay``), speaking the signed
protocol of docs/payments.md over HTTP: Linli signs its requests with the merchant key and
believes only answers and notifications signed with the provider's key."""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Mapping
from datetime import datetime
from functools import cached_property
from pathlib import Path
from urllib.parse import urlencode

from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from linli.payments import signing
from linli.payments.models import PaymentNotice, PaymentOrder
from linli.payments.providers.base import Notice, NoticeRefused, ProviderError, Trade, TradeStatus

TIMEOUT = 10.0
STATUSES = {
    "WAIT_BUYER_PAY": TradeStatus.WAITING,
    "TRADE_SUCCESS": TradeStatus.PAID,
    "TRADE_CLOSED": TradeStatus.CLOSED,
}


def _time(raw: str) -> datetime | None:
    if not raw:
        return None
    value = datetime.fromisoformat(raw)
    if value.tzinfo is None:
        raise ValueError("a time without an offset")
    return value


class LocalPayProvider:
    name = "localpay"

    @cached_property
    def merchant_key(self) -> rsa.RSAPrivateKey:
        return signing.load_private_key(Path(settings.LINLI_PAYMENT_KEY), create=True)

    @property
    def provider_key(self) -> rsa.RSAPublicKey:
        # Read on use: the provider may write its key after Linli started (./dev demo).
        path = Path(settings.LINLI_LOCALPAY_PUBLIC_KEY)
        try:
            return signing.load_public_key(path)
        except (OSError, ValueError) as exc:
            raise ProviderError(f"the provider's public key {path} cannot be read: {exc}") from None

    # --- requests ----------------------------------------------------------------------------

    def _call(self, path: str, params: dict[str, str]) -> dict[str, str]:
        common = {
            "app_id": settings.LINLI_PAYMENT_MERCHANT_ID,
            "timestamp": timezone.now().isoformat(timespec="seconds"),
            "nonce": secrets.token_hex(16),
        }
        body = urlencode(signing.signed({**common, **params}, self.merchant_key)).encode()
        url = settings.LINLI_LOCALPAY_URL.rstrip("/") + path
        request = urllib.request.Request(  # noqa: S310 - the URL is our own setting, http(s)
            url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
                raw = response.read(signing.MAX_BODY + 1)
        except urllib.error.HTTPError as exc:
            raw = exc.read(signing.MAX_BODY + 1)
        except (OSError, ValueError) as exc:
            raise ProviderError(f"{url}: {exc}") from exc
        return self._verified_reply(raw)

    def _verified_reply(self, raw: bytes) -> dict[str, str]:
        try:
            reply = json.loads(raw)
        except ValueError:
            raise ProviderError("the provider's reply is not JSON") from None
        if not isinstance(reply, dict) or not all(isinstance(v, str) for v in reply.values()):
            raise ProviderError("the provider's reply is not a flat object of strings")
        try:
            signing.verify(reply, self.provider_key)
        except signing.SignatureError as exc:
            raise ProviderError(f"the provider's reply is not signed by it: {exc}") from None
        if reply.get("code") != "SUCCESS":
            code = reply.get("code", "")
            raise ProviderError(f"{code}: {reply.get('msg', '')}", code=code)
        return reply

    def _absolute(self, name: str, **kwargs: str) -> str:
        return settings.LINLI_PAYMENT_CALLBACK_BASE.rstrip("/") + reverse(name, kwargs=kwargs)

    def create_order(self, order: PaymentOrder) -> str:
        reply = self._call(
            "/gateway/orders",
            {
                "out_trade_no": order.out_trade_no,
                "subject": order.subject,
                "total_fen": str(order.amount_fen),
                "currency": order.currency,
                "time_expire": order.expires_at.isoformat(timespec="seconds"),
                "notify_url": self._absolute("api:payments_notify", provider=self.name),
                "return_url": self._absolute("payments:return"),
            },
        )
        return reply["pay_url"]

    def query(self, order: PaymentOrder) -> Trade:
        try:
            reply = self._call("/gateway/query", {"out_trade_no": order.out_trade_no})
        except ProviderError as exc:
            if exc.code == "TRADE_NOT_EXIST":
                return Trade(order.out_trade_no, "", TradeStatus.UNKNOWN, order.amount_fen, 0, None)
            raise
        try:
            return Trade(
                out_trade_no=reply["out_trade_no"],
                trade_no=reply["trade_no"],
                status=STATUSES[reply["trade_status"]],
                amount_fen=int(reply["total_fen"]),
                refunded_fen=int(reply.get("refunded_fen") or 0),
                paid_at=_time(reply.get("gmt_payment", "")),
            )
        except (KeyError, ValueError) as exc:
            raise ProviderError(f"the provider's query reply is incomplete: {exc}") from None

    def refund(self, order: PaymentOrder, amount_fen: int, reason: str, request_no: str) -> str:
        reply = self._call(
            "/gateway/refund",
            {
                "out_trade_no": order.out_trade_no,
                "out_request_no": request_no,
                "refund_fen": str(amount_fen),
                "refund_reason": reason,
            },
        )
        return reply["refund_id"]

    # --- notifications -----------------------------------------------------------------------

    def verify_notification(self, headers: Mapping[str, str], body: bytes) -> Notice:
        Outcome = PaymentNotice.Outcome
        try:
            params = signing.parse_form(body)
        except signing.MalformedMessage as exc:
            raise NoticeRefused(Outcome.MALFORMED, str(exc)) from None
        try:
            signing.verify(params, self.provider_key)
        except (signing.SignatureError, ProviderError) as exc:
            # Without the provider's key nothing can be believed; it will send the notice again.
            raise NoticeRefused(Outcome.BAD_SIGNATURE, str(exc)) from None
        if params.get("app_id") != settings.LINLI_PAYMENT_MERCHANT_ID:
            raise NoticeRefused(
                Outcome.MISMATCH, "the notice is for another merchant", signature_valid=True
            )
        try:
            sent_at = _time(params["notify_time"])
            if sent_at is None:
                raise ValueError("notify_time is empty")
            return Notice(
                notify_id=params["notify_id"],
                out_trade_no=params["out_trade_no"],
                trade_no=params["trade_no"],
                status=STATUSES.get(params["trade_status"], TradeStatus.UNKNOWN),
                amount_fen=int(params["total_fen"]),
                currency=params["currency"],
                paid_at=_time(params.get("gmt_payment", "")),
                sent_at=sent_at,
            )
        except (KeyError, ValueError) as exc:
            raise NoticeRefused(
                Outcome.MALFORMED, f"missing or bad field: {exc}", signature_valid=True
            ) from None
