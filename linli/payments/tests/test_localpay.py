"""LocalPay's side of the protocol, spoken to through the adapter: it refuses what is not
signed by the merchant, replays and stale requests; it treats a repeated order or refund
number as the same order or refund; and Linli believes no reply LocalPay did not sign."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from linli.payments import signing
from linli.payments.models import PaymentOrder
from linli.payments.providers.base import ProviderError, TradeStatus
from linli.payments.providers.localpay import LocalPayProvider
from linli.payments.tests.conftest import new_order, submit

pytestmark = pytest.mark.django_db


def call(path: str, params: dict[str, str], **common: str) -> dict[str, str]:
    provider = LocalPayProvider()
    if not common:
        return provider._call(path, params)
    # A hand-built request, to send what the adapter never would.
    body = urlencode(signing.signed({**common, **params}, provider.merchant_key)).encode()
    request = urllib.request.Request(django_settings.LINLI_LOCALPAY_URL + path, data=body)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return json.loads(exc.read())


def test_a_request_signed_with_another_key_is_refused(localpay, settings, tmp_path):
    settings.LINLI_PAYMENT_KEY = str(tmp_path / "stranger.pem")
    with pytest.raises(ProviderError) as error:
        call("/gateway/query", {"out_trade_no": "P1"})
    assert error.value.code == "INVALID_SIGNATURE"


def test_a_replayed_nonce_is_refused(localpay):
    now = timezone.localtime().isoformat(timespec="seconds")
    common = {"app_id": "linli-demo", "timestamp": now, "nonce": "n" * 32}
    assert call("/gateway/query", {"out_trade_no": "P1"}, **common)["code"] == "TRADE_NOT_EXIST"
    assert call("/gateway/query", {"out_trade_no": "P1"}, **common)["code"] == "INVALID_NONCE"


def test_a_stale_request_is_refused(localpay):
    old = (timezone.localtime() - timedelta(hours=1)).isoformat(timespec="seconds")
    common = {"app_id": "linli-demo", "timestamp": old, "nonce": "o" * 32}
    assert call("/gateway/query", {"out_trade_no": "P1"}, **common)["code"] == "INVALID_TIMESTAMP"


def test_an_unknown_merchant_is_refused(localpay):
    now = timezone.localtime().isoformat(timespec="seconds")
    common = {"app_id": "stranger", "timestamp": now, "nonce": "s" * 32}
    assert call("/gateway/query", {"out_trade_no": "P1"}, **common)["code"] == "INVALID_APP_ID"


def test_the_same_order_number_twice_is_the_same_trade_but_not_for_another_amount(
    localpay, resident
):
    order = new_order(resident)
    provider = LocalPayProvider()
    assert provider.create_order(order) == order.pay_url
    order.amount_fen = 1
    with pytest.raises(ProviderError) as error:
        provider.create_order(order)
    assert error.value.code == "ORDER_CONFLICT"


def test_the_same_refund_number_twice_is_one_refund(localpay, resident):
    order = new_order(resident, amount_fen=3000)
    submit(order.pay_url, {"action": "pay"})
    provider = LocalPayProvider()
    assert provider.query(order).status == TradeStatus.PAID
    first = provider.refund(order, 1000, "退费", "R1")
    assert provider.refund(order, 1000, "退费", "R1") == first
    assert provider.query(order).refunded_fen == 1000
    with pytest.raises(ProviderError) as error:
        provider.refund(order, 500, "退费", "R1")
    assert error.value.code == "REQUEST_CONFLICT"
    with pytest.raises(ProviderError) as error:
        provider.refund(order, 2001, "退费", "R2")
    assert error.value.code == "REFUND_AMOUNT_EXCEEDED"


def test_a_trade_past_its_expiry_cannot_be_paid(localpay, resident):
    order = new_order(resident, now=timezone.now() - timedelta(minutes=16))
    status, page = submit(order.pay_url, {"action": "pay"})
    assert status == 200 and "订单已关闭" in page
    assert LocalPayProvider().query(order).status == TradeStatus.CLOSED


def test_linli_believes_no_reply_signed_by_another_key(localpay, resident, settings, tmp_path):
    stranger = tmp_path / "stranger.pem"
    signing.load_private_key(stranger, create=True)
    settings.LINLI_LOCALPAY_PUBLIC_KEY = str(signing.public_path(stranger))
    with pytest.raises(ProviderError, match="not signed"):
        LocalPayProvider().query(PaymentOrder(out_trade_no="P1", amount_fen=1))


def test_unknown_paths_and_garbage_get_errors_not_crashes(localpay):
    garbage = [("/nowhere", b"x"), ("/gateway/orders", b"\xff\xfe"), ("/gateway/refund", b"")]
    for path, body in garbage:
        request = urllib.request.Request(localpay[0] + path, data=body)
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(request, timeout=10)
        assert error.value.code in {400, 404}
