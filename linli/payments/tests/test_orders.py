"""Creating orders (bad input stores nothing), an unreachable provider, the expiry sweep, and
who may read an order."""

from __future__ import annotations

import pytest

from linli.core.audit import AuditKind
from linli.core.models import AuditEvent
from linli.payments import actions
from linli.payments.models import PaymentOrder
from linli.payments.tests.conftest import later, new_order
from linli.people import actions as people
from linli.people.models import User

pytestmark = pytest.mark.django_db
Status = PaymentOrder.Status


def test_an_order_is_registered_with_the_provider_and_expires_in_15_minutes(localpay, resident):
    order = new_order(resident)
    assert order.status == Status.CREATED and order.provider == "localpay"
    assert order.pay_url.startswith(localpay[0] + "/pay/")
    assert 14 * 60 < (order.expires_at - order.created_at).total_seconds() <= 15 * 60
    assert AuditEvent.objects.filter(kind=AuditKind.PAYMENT_ORDER_CREATED).count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount_fen": 0}, "amount_fen"),
        ({"amount_fen": -100}, "amount_fen"),
        ({"amount_fen": "100"}, "amount_fen"),
        ({"amount_fen": 12.5}, "amount_fen"),
        ({"amount_fen": True}, "amount_fen"),
        ({"amount_fen": 10**12}, "amount_fen"),
        ({"subject": "  "}, "subject"),
        ({"subject": "字" * 129}, "subject"),
        ({"purpose_kind": "Hall Application"}, "purpose_kind"),
        ({"purpose_reference": ""}, "reference"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(localpay, resident, change, field):
    values = {
        "subject": "工本费",
        "amount_fen": 2000,
        "purpose_kind": "hall.application",
        "purpose_reference": "A1",
        **change,
    }
    with pytest.raises(actions.PaymentError) as error:
        actions.create_order(payer=resident, actor=resident, **values)
    assert error.value.field == field and error.value.status == 400
    assert not PaymentOrder.objects.exists()
    assert not AuditEvent.objects.filter(kind__gte=1000, kind__lt=1100).exists()


def test_an_unreachable_provider_is_a_503_and_the_order_is_kept_closed(
    localpay, resident, settings
):
    settings.LINLI_LOCALPAY_URL = "http://127.0.0.1:9"
    with pytest.raises(actions.PaymentError) as error:
        new_order(resident)
    assert error.value.status == 503
    assert PaymentOrder.objects.get().status == Status.CLOSED


def test_the_sweep_expires_unpaid_orders_once(localpay, resident):
    order = new_order(resident)
    assert actions.expire_orders(later(10)) == 0
    assert actions.expire_orders(later(16)) == 1
    assert actions.expire_orders(later(17)) == 0
    order.refresh_from_db()
    assert order.status == Status.EXPIRED and order.closed_at
    assert AuditEvent.objects.filter(kind=AuditKind.PAYMENT_EXPIRED).count() == 1


def test_the_sweep_leaves_paid_orders_alone(localpay, resident):
    order = new_order(resident)
    PaymentOrder.objects.filter(pk=order.pk).update(status=Status.PAID)
    assert actions.expire_orders(later(30)) == 0


def test_the_sweep_is_registered_with_the_worker():
    from linli.core.worker import sweeps

    assert {"payments.expire", "payments.refunds"} <= set(sweeps())


def test_an_unpaid_order_cannot_be_refunded(localpay, resident):
    order = new_order(resident)
    with pytest.raises(actions.PaymentError) as error:
        actions.refund(order, amount_fen=100, reason="退费", actor=resident)
    assert error.value.status == 409


def test_a_refund_needs_a_reason(localpay, resident):
    order = new_order(resident)
    with pytest.raises(actions.PaymentError) as error:
        actions.refund(order, amount_fen=100, reason=" ", actor=resident)
    assert error.value.field == "reason"


def test_the_payer_closes_an_unpaid_order_once(localpay, resident):
    order = new_order(resident)
    actions.close_order(order, actor=resident)
    assert PaymentOrder.objects.get(pk=order.pk).status == Status.CLOSED
    with pytest.raises(actions.PaymentError):
        actions.close_order(order, actor=resident)


# --- reading an order ------------------------------------------------------------------------


def bearer(user) -> dict[str, str]:
    token = people.create_api_token(user, actor=user, name="test").token
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_the_payer_reads_their_order(client, localpay, resident):
    order = new_order(resident)
    body = client.get(f"/api/v1/payments/orders/{order.out_trade_no}", **bearer(resident)).json()
    assert body["status"] == "created" and body["amount_fen"] == 2000
    assert body["purpose_kind"] == "hall.application"


def test_another_resident_gets_the_same_404_as_for_a_missing_order(client, localpay, resident):
    order = new_order(resident)
    other = User.objects.create(username="payer2", phone="13900000002")
    theirs = client.get(f"/api/v1/payments/orders/{order.out_trade_no}", **bearer(other))
    missing = client.get("/api/v1/payments/orders/P0", **bearer(other))
    garbage = client.get("/api/v1/payments/orders/P%00%27", **bearer(other))
    assert garbage.status_code == 404
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()


def test_a_superuser_reads_any_order(client, localpay, resident):
    order = new_order(resident)
    admin = User.objects.create(username="root", is_superuser=True, is_staff=True)
    assert (
        client.get(f"/api/v1/payments/orders/{order.out_trade_no}", **bearer(admin)).status_code
        == 200
    )


def test_an_anonymous_reader_is_401(client, localpay, resident):
    order = new_order(resident)
    assert client.get(f"/api/v1/payments/orders/{order.out_trade_no}").status_code == 401


def test_the_return_page_of_someone_elses_order_is_404(client, localpay, resident):
    order = new_order(resident)
    client.force_login(User.objects.create(username="payer3", phone="13900000003"))
    assert client.get(f"/payments/return?out_trade_no={order.out_trade_no}").status_code == 404
    assert client.get("/payments/return?out_trade_no=%00%ff").status_code == 404


def test_the_return_page_shows_the_order_in_yuan(client, localpay, resident):
    order = new_order(resident)
    client.force_login(resident)
    page = client.get(f"/payments/return?out_trade_no={order.out_trade_no}").content.decode()
    assert order.out_trade_no in page and "20.00" in page and 'data-status="created"' in page
