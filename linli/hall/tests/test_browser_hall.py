"""A resident on a phone finds the hotel permit in the hall and sees what to bring and how long
it takes — without signing in."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_a_resident_searches_for_hotels_and_reads_the_permit_page(live_server, phone):
    phone.goto(f"{live_server.url}/hall/")
    assert "网上办事大厅" in phone.title() or "Online service hall" in phone.title()
    phone.locator("#id_q").fill("旅馆")
    phone.locator("#hall-search button[type=submit]").click()
    phone.locator("#matters a", has_text="旅馆业特种行业许可证核发").click()

    phone.locator("#matter-name").wait_for()
    assert phone.locator("#matter-name").inner_text() == "旅馆业特种行业许可证核发"
    materials = phone.locator("#materials").inner_text()
    assert "营业执照" in materials and "旅馆平面图" in materials
    assert "2" in phone.locator("#time-limit").inner_text()
    assert phone.locator("#materials .tag-ok").count() >= 2  # fetched from the library
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # fits the phone
