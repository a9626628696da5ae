"""A resident pays a fee on a phone: LocalPay's cashier page in Chromium, then back on Linli's
return page, which shows the order paid — whether the notice or the payer arrives first."""

from __future__ import annotations

import pytest

from linli.conftest import signed_in
from linli.payments.models import PaymentNotice, PaymentOrder
from linli.payments.tests.conftest import new_order, wait_for

pytestmark = pytest.mark.browser


def test_a_resident_pays_on_the_cashier_page_and_comes_back_to_a_paid_order(
    localpay, live_server, settings, phone, resident
):
    settings.LINLI_PAYMENT_CALLBACK_BASE = live_server.url
    order = new_order(resident)
    signed_in(phone, live_server, resident)

    phone.goto(order.pay_url)
    assert "¥20.00" in phone.locator(".amount").inner_text()
    phone.locator("#pay").click()
    phone.wait_for_url(f"{live_server.url}/payments/return?*")
    assert phone.locator("#payment-order").get_attribute("data-status") == "paid"
    assert order.out_trade_no in phone.locator("#payment-order").inner_text()

    wait_for(lambda: PaymentNotice.objects.filter(order=order).exists())
    assert PaymentOrder.objects.get(pk=order.pk).status == PaymentOrder.Status.PAID
    # Paid by the return page's query or by the notice, whichever came first; never twice.
    outcomes = sorted(PaymentNotice.objects.filter(order=order).values_list("outcome", flat=True))
    assert outcomes in (["accepted"], ["duplicate"])
