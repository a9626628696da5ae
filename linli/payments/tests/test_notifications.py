"""Notifications at /api/v1/payments/notify/localpay: a genuine one pays the order once;
forged, replayed-late, unreadable, unknown and wrong-amount ones are refused with 400 and
logged; nothing is a 500."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client
from django.utils import timezone

from linli.core.audit import AuditKind
from linli.core.models import AuditEvent
from linli.payments.models import PaymentNotice, PaymentOrder
from linli.payments.tests.conftest import new_order, notice_params, signed_body

pytestmark = pytest.mark.django_db
NOTIFY = "/api/v1/payments/notify/localpay"
FORM = "application/x-www-form-urlencoded"


def send(client, body: bytes):
    return client.post(NOTIFY, body, content_type=FORM)


def audit_count(order, kind) -> int:
    return AuditEvent.objects.filter(object_id=str(order.pk), kind=int(kind)).count()


def test_a_genuine_notice_pays_the_order(client, localpay, provider_key, resident):
    order = new_order(resident)
    response = send(client, signed_body(notice_params(order), provider_key))
    assert response.status_code == 200 and response.content == b"success"
    order.refresh_from_db()
    assert order.status == PaymentOrder.Status.PAID
    assert order.provider_trade_no == "T" + order.out_trade_no and order.paid_at
    assert audit_count(order, AuditKind.PAYMENT_RECEIVED) == 1
    assert PaymentNotice.objects.get().outcome == PaymentNotice.Outcome.ACCEPTED


def test_the_same_notice_twice_changes_nothing_and_still_answers_success(
    client, localpay, provider_key, resident
):
    order = new_order(resident)
    body = signed_body(notice_params(order), provider_key)
    assert send(client, body).content == b"success"
    paid_at = PaymentOrder.objects.get(pk=order.pk).paid_at
    assert send(client, body).content == b"success"
    order.refresh_from_db()
    assert order.paid_at == paid_at and order.status == PaymentOrder.Status.PAID
    assert audit_count(order, AuditKind.PAYMENT_RECEIVED) == 1
    outcomes = list(PaymentNotice.objects.order_by("pk").values_list("outcome", flat=True))
    assert outcomes == ["accepted", "duplicate"]


def test_the_endpoint_needs_no_csrf_token(localpay, provider_key, resident):
    order = new_order(resident)
    response = send(
        Client(enforce_csrf_checks=True), signed_body(notice_params(order), provider_key)
    )
    assert response.status_code == 200


def test_a_notice_signed_with_another_key_is_refused_and_logged(client, localpay, resident):
    order = new_order(resident)
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    response = send(client, signed_body(notice_params(order), forger))
    assert response.status_code == 400 and response.content == b"fail"
    assert PaymentOrder.objects.get(pk=order.pk).status == PaymentOrder.Status.CREATED
    logged = PaymentNotice.objects.get()
    assert logged.outcome == "bad_signature" and not logged.signature_valid
    assert order.out_trade_no in logged.raw_body


def test_a_genuine_notice_with_a_changed_amount_is_refused(
    client, localpay, provider_key, resident
):
    order = new_order(resident)
    params = notice_params(order)
    body = signed_body(params, provider_key).replace(b"total_fen=2000", b"total_fen=1")
    assert send(client, body).status_code == 400
    assert PaymentNotice.objects.get().outcome == "bad_signature"


def test_a_signed_notice_for_another_amount_is_refused_as_a_mismatch(
    client, localpay, provider_key, resident
):
    order = new_order(resident)
    response = send(client, signed_body(notice_params(order, total_fen="1"), provider_key))
    assert response.status_code == 400
    logged = PaymentNotice.objects.get()
    assert logged.outcome == "mismatch" and logged.signature_valid and logged.order_id == order.pk
    assert PaymentOrder.objects.get(pk=order.pk).status == PaymentOrder.Status.CREATED


def test_a_notice_for_an_unknown_order_is_refused(client, localpay, provider_key, resident):
    order = new_order(resident)
    params = notice_params(order, out_trade_no="P20260101000000NOSUCH1")
    assert send(client, signed_body(params, provider_key)).status_code == 400
    assert PaymentNotice.objects.get().outcome == "unknown_order"


def test_a_notice_replayed_after_a_quarter_hour_is_refused(
    client, localpay, provider_key, resident
):
    order = new_order(resident)
    old = (timezone.localtime() - timedelta(minutes=30)).isoformat(timespec="seconds")
    response = send(client, signed_body(notice_params(order, notify_time=old), provider_key))
    assert response.status_code == 400
    assert PaymentNotice.objects.get().outcome == "stale"


def test_a_notice_for_another_merchant_is_refused(client, localpay, provider_key, resident):
    order = new_order(resident)
    body = signed_body(notice_params(order, app_id="someone-else"), provider_key)
    assert send(client, body).status_code == 400
    assert PaymentNotice.objects.get().outcome == "mismatch"


@pytest.mark.parametrize(
    "body",
    [b"", b"\xff\xfe\x00", b"a=1&a=2", b"<xml>", b"sign=AAAA&sign_type=RSA2", b"x" * 70000],
)
def test_garbage_is_refused_with_400_and_logged(client, localpay, body):
    response = send(client, body)
    assert response.status_code == 400
    assert PaymentNotice.objects.get().outcome in {"malformed", "bad_signature"}


def test_a_genuine_notice_missing_a_field_is_malformed(client, localpay, provider_key, resident):
    order = new_order(resident)
    params = notice_params(order)
    del params["total_fen"]
    assert send(client, signed_body(params, provider_key)).status_code == 400
    logged = PaymentNotice.objects.get()
    assert logged.outcome == "malformed" and logged.signature_valid


def test_an_unknown_provider_is_404(client, db):
    assert (
        client.post("/api/v1/payments/notify/paypal", b"a=1", content_type=FORM).status_code == 404
    )


def test_the_openapi_schema_documents_the_payment_endpoints(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert paths["/api/v1/payments/notify/{provider}"]["post"]["summary"]
    assert paths["/api/v1/payments/orders/{out_trade_no}"]["get"]["summary"]


def test_without_the_providers_key_a_notice_is_refused_not_a_crash(
    client, localpay, provider_key, resident, settings
):
    order = new_order(resident)
    settings.LINLI_LOCALPAY_PUBLIC_KEY = "/nonexistent/provider.pub.pem"
    assert send(client, signed_body(notice_params(order), provider_key)).status_code == 400
    assert PaymentNotice.objects.get().outcome == "bad_signature"
