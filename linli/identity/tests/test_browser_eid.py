"""A resident opens my e-ID on a phone; an officer verifies the code on the verify page and sees
the masked name; the same code a second time is refused as replayed."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from linli.conftest import signed_in
from linli.identity.tests.conftest import ID_NUMBER, make_unit, person
from linli.people.models import Role, Unit

pytestmark = pytest.mark.browser


def test_an_officer_verifies_a_residents_e_id_once(transactional_db, live_server, browser, phone):
    room = make_unit("330499001001-room", Unit.Kind.POLICE_ROOM, "330499001001")
    resident = person("r1", None, Role.RESIDENT, full_name="张小三", id_number=ID_NUMBER)
    officer = person("o1", room, Role.OFFICER, full_name="王小明")

    signed_in(phone, live_server, resident)
    phone.goto(f"{live_server.url}/identity/eid")
    assert "电子身份" in phone.title() or "e-ID" in phone.title()
    phone.locator("#eid-qr svg").wait_for(timeout=10_000)  # fetched by htmx
    assert phone.locator("#eid-name").inner_text() == "张*三"
    phone.locator("#eid-countdown", has_text="s").wait_for()  # the countdown runs
    token = phone.locator("#eid-token").text_content().strip()
    assert token.startswith("LNLEID1.")
    # what the page does when a code runs out before the next poll: a new code replaces it
    phone.evaluate("htmx.trigger('#eid', 'renew')")
    phone.wait_for_function(
        "t => document.getElementById('eid-token').textContent.trim() !== t", arg=token
    )
    token = phone.locator("#eid-token").text_content().strip()

    context = browser.new_context(viewport={"width": 390, "height": 844})
    officer_phone = context.new_page()
    try:
        signed_in(officer_phone, live_server, officer)
        officer_phone.goto(f"{live_server.url}/identity/verify")
        officer_phone.fill("#verify-form textarea[name=token]", token)
        officer_phone.locator("#verify-form button[type=submit]").click()
        assert officer_phone.locator("#result-name").inner_text() == "张*三"
        assert officer_phone.locator("#result-id-number").inner_text() == "330402********1230"

        expect(officer_phone.locator("#eid-result")).to_have_attribute("data-state", "confirmed")

        officer_phone.fill("#verify-form textarea[name=token]", token)
        officer_phone.locator("#verify-form button[type=submit]").click()
        refused = officer_phone.locator("#eid-result")
        expect(refused).to_have_attribute("data-reason", "replayed")  # the server's verdict
        assert officer_phone.locator("#result-name").count() == 0
        expect(officer_phone.locator("#check-server")).to_have_attribute("data-verdict", "refused")
    finally:
        context.close()
