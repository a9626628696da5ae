"""A case from the QR poster to the command board, in Debian's Chromium on a phone screen."""

from __future__ import annotations

import pytest
from PIL import Image

from linli.cases.models import Case
from linli.places.models import PoliceRoom

pytestmark = pytest.mark.browser


def test_a_resident_reports_by_qr_the_officer_resolves_on_a_phone_and_the_board_counts_it(
    live_city, live_server, browser, phone, settings, tmp_path
):
    settings.LINLI_REQUIRE_TOTP = False
    room = PoliceRoom.objects.select_related("named_officer").order_by("id").first()
    micro_grid = room.micro_grids.order_by("code").first()
    picture = tmp_path / "bikes.jpg"
    Image.new("RGB", (320, 240), (90, 90, 160)).save(picture, "JPEG")

    # The resident scans the poster: its link opens the form with the place filled in.
    phone.goto(f"{live_server.url}/cases/qr/{micro_grid.code}/")
    phone.locator("#poster-qr svg").wait_for()
    phone.locator("#poster-link").click()
    # The form is in the page before its scripts have run; typing earlier than htmx has bound
    # its listener sends no suggestion request at all (seen once on a loaded machine).
    phone.wait_for_url("**/cases/report/**", wait_until="load")
    assert micro_grid.name in phone.locator("#report-place").inner_text()
    phone.fill("#id_description", "车棚里的电瓶车这个月已经被偷了三辆，晚上经常有陌生人转悠")
    phone.locator("#suggested-category").wait_for()  # triage suggests while typing
    phone.set_input_files("#id_photos", str(picture))
    phone.locator("#report-submit").click()
    number = phone.locator("#case-number").inner_text()
    case = Case.objects.get(number=number)
    assert case.channel == "qr" and case.photos.count() == 1 and case.unit == room.unit

    # The commander's board before the officer acts.
    commander = browser.new_context(viewport={"width": 1280, "height": 800})
    board = commander.new_page()
    board.goto(f"{live_server.url}/accounts/login/")
    board.fill("#id_username", "commander1")
    board.fill("#id_password", "linli-demo")
    board.locator("#staff-login button[type=submit]").click()
    board.goto(f"{live_server.url}/cases/board/")
    resolved_before = int(board.locator("#fig-resolved").inner_text())
    board.locator("#board-map[data-ready='true']").wait_for()
    assert int(board.locator("#board-map").get_attribute("data-cases")) >= 1

    # The room's officer resolves it on a phone-sized screen.
    officer = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = officer.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", room.named_officer.username)
    page.fill("#id_password", "linli-demo")
    page.locator("#staff-login button[type=submit]").click()
    page.goto(f"{live_server.url}/cases/inbox/")
    page.locator(f"#inbox-list a:text('{number}')").click()
    page.locator("#act-accept").click()
    page.fill("#id_text", "已调取监控，车棚加装了门禁")
    page.locator("#act-resolve").click()
    assert page.locator("#case-status").inner_text() == "已办结"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # fits the phone

    # The resident (same browser that reported) rates it.
    phone.reload()
    phone.locator("#feedback input[value='5']").check()
    phone.locator("#feedback-submit").click()
    assert phone.locator("#case-status").inner_text() == "已关闭"

    board.reload()
    assert int(board.locator("#fig-resolved").inner_text()) == resolved_before + 1
    assert board.locator("#fig-satisfaction").inner_text() == "100%"
    commander.close()
    officer.close()
