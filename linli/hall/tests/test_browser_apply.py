"""The hotel special-trade licence from a phone, end to end in Chromium: the resident finds it,
applies with three certificates fetched from the library and three scans, pays the postage on
LocalPay's cashier page, the clerk accepts, approves, issues and posts it, and the resident sees
the tracking number and prints the certificate."""

from __future__ import annotations

import pytest

from linli.conftest import signed_in
from linli.hall.models import Application
from linli.hall.tests.conftest import HOTEL_ANSWERS, SCAN

pytestmark = pytest.mark.browser


def test_a_hotel_licence_applied_for_paid_issued_and_posted(
    live_server, browser, phone, settings, localpay, resident, clerk, hotel
):
    settings.LINLI_PAYMENT_CALLBACK_BASE = live_server.url
    signed_in(phone, live_server, resident)
    phone.goto(f"{live_server.url}/hall/")
    phone.locator("#id_q").fill("旅馆")
    phone.locator("#hall-search button[type=submit]").click()
    phone.locator("#matters a", has_text="旅馆业特种行业许可证核发").click()
    phone.locator("#apply-online").click()

    # The form, as a resident fills it; the library already holds three of the materials.
    assert phone.locator("#apply-materials .library-found").count() == 3
    for name, value in HOTEL_ANSWERS.items():
        phone.locator(f"#id_f_{name}").fill(value)
    # the three the library does not hold: scans sent with the form
    for position in (3, 4, 5):
        phone.locator(f"input[name=material_{position}]").set_input_files(
            files=[{"name": f"scan{position}.pdf", "mimeType": "application/pdf", "buffer": SCAN}]
        )
    phone.locator("#consent").check()
    phone.locator("input[name=delivery][value=post]").check()
    phone.locator("#id_address").fill("南湖区邻里路8号 王芳 13800001234")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.locator("#submit-application").click()

    phone.locator("#application").wait_for()
    assert phone.locator("#application").get_attribute("data-status") == "submitted"
    assert phone.locator("#materials li[data-source=library]").count() == 3
    assert phone.locator("#materials li[data-source=upload]").count() == 3
    assert "138****1234" in phone.locator("#answers").inner_text()
    number = phone.locator("#application").get_attribute("data-number")

    # Pay the EMS postage on the provider's page and come back.
    phone.locator("#pay").click()
    assert "¥12.00" in phone.locator(".amount").inner_text()
    phone.locator("#pay").click()
    phone.wait_for_url(f"{live_server.url}/payments/return?*")
    assert phone.locator("#payment-order").get_attribute("data-status") == "paid"
    phone.locator("#back-to-purpose").click()
    assert phone.locator("#fee").get_attribute("data-paid") == "yes"

    # The clerk at the district bureau handles it on their own device.
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    clerk_page = desk.new_page()
    signed_in(clerk_page, live_server, clerk)
    clerk_page.goto(f"{live_server.url}/hall/applications/?queue=1")
    clerk_page.locator(f"[data-number='{number}'] a").click()
    for step in ("accept", "approve", "issue"):
        clerk_page.locator(f"#step-{step}").click()
        clerk_page.locator("#application").wait_for()
    assert clerk_page.locator("#application").get_attribute("data-status") == "issued"
    clerk_page.locator("[data-step=deliver] input[name=tracking_number]").fill("EA123456789CN")
    clerk_page.locator("#step-deliver").click()
    clerk_page.locator("#application[data-status=delivered]").wait_for()
    desk.close()

    phone.reload()
    assert phone.locator("#application").get_attribute("data-status") == "delivered"
    assert "EA123456789CN" in phone.locator("#tracking").inner_text()
    timeline = phone.locator("#timeline").inner_text()
    assert "已受理" in timeline or "accepted" in timeline
    href = phone.locator("#certificate-pdf").get_attribute("href")
    pdf = phone.request.get(f"{live_server.url}{href}")  # with the resident's session
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF-")
    assert pdf.headers["content-type"] == "application/pdf"
    application = Application.objects.get(number=number)
    assert application.permit_number and application.tracking_number == "EA123456789CN"
    assert application.events.filter(kind="fetched").count() == 3
