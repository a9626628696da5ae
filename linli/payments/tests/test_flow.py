"""End to end against the real LocalPay process and a live Linli: create an order, open the
pay page, press pay, and the provider's signed notification pays the order exactly once —
also when Linli's first answer is lost and the provider retries. Then refunds and expiry."""

from __future__ import annotations

import urllib.request
from urllib.parse import parse_qs

import pytest

from linli.core.audit import AuditKind
from linli.core.models import AuditEvent
from linli.payments import actions, api
from linli.payments.models import PaymentNotice, PaymentOrder, PaymentRefund
from linli.payments.tests.conftest import later, new_order, submit, wait_for

Status = PaymentOrder.Status


def status_of(order) -> str:
    return PaymentOrder.objects.values_list("status", flat=True).get(pk=order.pk)


def audit_count(order, kind) -> int:
    return AuditEvent.objects.filter(object_id=str(order.pk), kind=int(kind)).count()


@pytest.fixture
def live_localpay(localpay, live_server, settings):
    settings.LINLI_PAYMENT_CALLBACK_BASE = live_server.url
    return live_server


class Handled:
    """Notices as Linli finished handling them, by order number. Tests wait on this, not on
    the order's status: on SQLite the live server shares the test's connection, so the new
    status is visible while the notice is still being logged in the same transaction. LocalPay
    serves the whole session, so a retry of an earlier test's notice may arrive too: it counts
    for no order of this test."""

    def __init__(self) -> None:
        self.outcomes: list[tuple[str, str]] = []
        self.down_for: set[str] = set()  # Linli is down for these orders' notices
        self.lose_answer_for: set[str] = set()  # handled, but the provider hears no "success"

    def of(self, order: PaymentOrder) -> list[str]:
        return [outcome for number, outcome in self.outcomes if number == order.out_trade_no]

    def wrap(self, handle):
        def recording(provider, headers, body, **kwargs):
            number = parse_qs(body.decode(errors="replace")).get("out_trade_no", [""])[0]
            if number in self.down_for:
                self.outcomes.append((number, "held"))
                return actions.NoticeResult(False, "held")
            result = handle(provider, headers, body, **kwargs)
            if number in self.lose_answer_for:
                self.lose_answer_for.discard(number)
                result.accepted = False
            self.outcomes.append((number, result.outcome))
            return result

        return recording


@pytest.fixture
def handled(monkeypatch) -> Handled:
    handled = Handled()
    monkeypatch.setattr(
        api.actions, "handle_notification", handled.wrap(actions.handle_notification)
    )
    return handled


def test_a_resident_pays_on_the_provider_page_and_the_order_is_paid_once(
    live_localpay, handled, resident, client
):
    order = new_order(resident)
    assert order.pay_url.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(order.pay_url, timeout=10) as page:
        html = page.read().decode()
    assert "确认支付" in html and "¥20.00" in html and "居住证工本费" in html

    status, location = submit(order.pay_url, {"action": "pay"})
    assert status == 303
    assert location.startswith(f"{live_localpay.url}/payments/return?out_trade_no=")
    wait_for(lambda: handled.of(order))
    assert handled.of(order) == ["accepted"] and status_of(order) == Status.PAID
    assert audit_count(order, AuditKind.PAYMENT_RECEIVED) == 1

    # The payer's browser comes back: the page shows the order as paid.
    client.force_login(resident)
    back = client.get(location.removeprefix(live_localpay.url))
    assert back.status_code == 200 and 'data-status="paid"' in back.content.decode()

    # Anyone replaying the captured notice gets "success" and changes nothing.
    notice = PaymentNotice.objects.get(outcome="accepted")
    replay = urllib.request.urlopen(
        urllib.request.Request(
            f"{live_localpay.url}/api/v1/payments/notify/localpay",
            data=notice.raw_body.encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ),
        timeout=10,
    )
    assert replay.read() == b"success"
    assert audit_count(order, AuditKind.PAYMENT_RECEIVED) == 1
    assert PaymentNotice.objects.filter(order=order, outcome="duplicate").count() == 1

    # A second press on the provider's page cannot pay twice.
    assert submit(order.pay_url, {"action": "pay"})[0] == 200
    assert PaymentNotice.objects.filter(order=order).count() == 2


def test_when_linlis_answer_is_lost_the_provider_retries_and_the_order_is_paid_once(
    live_localpay, handled, resident
):
    order = new_order(resident)
    handled.lose_answer_for.add(order.out_trade_no)  # recorded and committed, answer lost
    submit(order.pay_url, {"action": "pay"})
    wait_for(lambda: len(handled.of(order)) >= 2)
    assert handled.of(order)[:2] == ["accepted", "duplicate"]
    assert status_of(order) == Status.PAID
    assert audit_count(order, AuditKind.PAYMENT_RECEIVED) == 1
    notify_ids = set(PaymentNotice.objects.filter(order=order).values_list("notify_id", flat=True))
    assert len(notify_ids) == 1  # the same notice, sent again


def test_a_paid_order_is_refunded_in_part_then_in_full(live_localpay, handled, resident):
    order = new_order(resident, amount_fen=5000)
    submit(order.pay_url, {"action": "pay"})
    wait_for(lambda: handled.of(order))
    assert status_of(order) == Status.PAID
    order.refresh_from_db()

    first = actions.refund(order, amount_fen=1500, reason="部分退费", actor=resident)
    assert first.status == PaymentRefund.Status.DONE and first.provider_refund_id.startswith("RF")
    order.refresh_from_db()
    assert order.status == Status.PARTIALLY_REFUNDED and order.refunded_fen == 1500

    with pytest.raises(actions.PaymentError) as too_much:
        actions.refund(order, amount_fen=3501, reason="多退", actor=resident)
    assert too_much.value.field == "amount_fen"

    actions.refund(order, amount_fen=3500, reason="全部退费", actor=resident)
    order.refresh_from_db()
    assert order.status == Status.REFUNDED and order.refunded_fen == 5000
    assert audit_count(order, AuditKind.PAYMENT_REFUNDED) == 2
    assert actions.get_provider("localpay").query(order).refunded_fen == 5000


def test_a_payment_arriving_after_expiry_is_recorded_and_refunded(live_localpay, handled, resident):
    order = new_order(resident)
    handled.down_for.add(order.out_trade_no)  # Linli is down while the sweep runs …
    submit(order.pay_url, {"action": "pay"})
    wait_for(lambda: handled.of(order))
    assert actions.expire_orders(later(20)) == 1
    assert status_of(order) == Status.EXPIRED
    handled.down_for.clear()  # … then up again, and the provider's next retry gets through
    wait_for(lambda: "late" in handled.of(order))
    *refused, last = handled.of(order)
    assert set(refused) == {"held"} and last == "late" and status_of(order) == Status.LATE_PAID
    assert PaymentNotice.objects.get(order=order).outcome == "late"
    assert audit_count(order, AuditKind.PAYMENT_RECEIVED_LATE) == 1

    assert actions.settle_refunds(later(20)) == 1
    order.refresh_from_db()
    assert order.status == Status.REFUNDED and order.refunded_fen == order.amount_fen
    assert actions.settle_refunds(later(20)) == 0


def test_a_payer_who_cancels_on_the_provider_page_finds_the_order_closed(
    live_localpay, resident, client
):
    order = new_order(resident)
    status, location = submit(order.pay_url, {"action": "cancel"})
    assert status == 303
    client.force_login(resident)
    page = client.get(location.removeprefix(live_localpay.url))
    assert 'data-status="closed"' in page.content.decode()
    assert audit_count(order, AuditKind.PAYMENT_CLOSED) == 1
