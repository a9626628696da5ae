"""What a person sees: the e-map, the language switch, staff sign-in — in Debian's Chromium."""

from __future__ import annotations

from base64 import b32decode

import pytest
from django_otp.oath import totp

from linli.places.models import PoliceRoom

pytestmark = pytest.mark.browser


def test_clicking_inside_a_micro_grid_shows_its_police_room_and_the_officer_on_duty(
    demo_city, live_server, phone
):
    room = PoliceRoom.objects.order_by("id").first()
    grid = room.micro_grids.all().order_by("code").first()
    phone.goto(f"{live_server.url}/map/?lon={grid.centroid_lon}&lat={grid.centroid_lat}")
    phone.wait_for_selector("#emap[data-ready='true']")
    box = phone.locator("#emap").bounding_box()
    phone.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    result = phone.locator("#locate-result")
    result.locator("#result-room").wait_for()
    assert result.locator("[data-field='micro_grid'] dd").inner_text() == grid.name
    assert result.locator("#result-room h3").inner_text() == room.name
    assert phone.locator("#result-room").get_attribute("data-room-id") == str(room.id)
    hours = result.locator("#result-room [data-field='hours'] dd").inner_text()
    assert hours and not any("a" <= c.lower() <= "z" for c in hours)  # Chinese, from the API
    officer = result.locator("#result-officer").inner_text()
    assert room.phone in officer
    assert "*" in officer  # the officer's name is masked
    phone.screenshot(path="/tmp/linli-emap-phone.png")


def test_the_map_shows_every_police_room_as_a_marker_with_a_popup(demo_city, live_server, browser):
    context = browser.new_context(viewport={"width": 1366, "height": 800})
    page = context.new_page()
    failed = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    page.goto(f"{live_server.url}/map/")
    page.wait_for_selector("#emap[data-ready='true']")
    page.wait_for_selector(f"#emap[data-rooms='{PoliceRoom.objects.count()}']")
    page.locator(".leaflet-marker-icon").first.wait_for()
    assert page.locator("img.leaflet-marker-icon").evaluate_all(
        "imgs => imgs.every(i => i.complete && i.naturalWidth > 0)"
    )
    assert failed == []  # every asset, marker images included, is served by Linli
    page.locator(".leaflet-control-layers").hover()
    assert page.locator(".leaflet-control-layers-overlays label").count() == 5
    context.close()


def test_the_interface_switches_to_english_and_back(demo_city, live_server, phone):
    phone.goto(f"{live_server.url}/")
    assert phone.locator("html").get_attribute("lang") == "zh-hans"
    phone.locator("#lang-en").click()
    phone.wait_for_selector("html[lang='en']")
    assert phone.locator("#nav-map").inner_text() == "E-map"
    phone.locator("#lang-zh-hans").click()
    phone.wait_for_selector("html[lang='zh-hans']")
    assert phone.locator("#nav-map").inner_text() == "电子地图"


def test_a_staff_member_enrols_an_authenticator_and_signs_in(
    demo_city, live_server, phone, settings
):
    settings.LINLI_REQUIRE_TOTP = True
    phone.goto(f"{live_server.url}/accounts/login/")
    phone.fill("#id_username", "officer1")
    phone.fill("#id_password", "linli-demo")
    phone.locator("#staff-login button[type=submit]").click()
    phone.wait_for_selector("#totp-qr svg")
    secret = b32decode(phone.locator("#totp-secret").inner_text())
    phone.fill("#id_code", f"{totp(secret):06d}")
    phone.locator("#totp button[type=submit]").click()
    phone.wait_for_selector("#nav-account")
    assert phone.locator("#nav-login").count() == 0
