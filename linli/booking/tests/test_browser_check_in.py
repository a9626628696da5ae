"""On a phone at the hall, "I have arrived" sends the phone's position and the number is checked
in; from across town it is refused, and the code read off the hall's screen checks it in."""

from __future__ import annotations

import pytest

from linli.booking import queue
from linli.booking.models import Ticket
from linli.booking.tests.conftest import make_point, make_resident
from linli.conftest import signed_in
from linli.people.models import Membership, Role, Unit, User

pytestmark = pytest.mark.browser
HALL = {"longitude": 120.75, "latitude": 30.75}


def phone_at(browser, live_server, user, where):
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        locale="zh-CN",
        geolocation=where,
        permissions=["geolocation"],
    )
    page = context.new_page()
    signed_in(page, live_server, user)
    return page


def test_a_resident_checks_in_by_position_at_the_hall_or_by_the_code_on_its_screen(
    transactional_db, browser, live_server
):
    station = Unit.objects.create(
        code="station-b", name="南湖派出所", kind=Unit.Kind.POLICE_STATION, area_code="330402001"
    )
    hall = make_point(unit=station, lon=HALL["longitude"], lat=HALL["latitude"])
    clerk = User.objects.create(username="screen", full_name="大厅屏幕", phone="13900000002")
    Membership.objects.create(user=clerk, unit=station, role=Role.OFFICER)
    resident = make_resident(1)
    queue_url = f"{live_server.url}/booking/points/{hall.pk}/queue/"

    at_hall = phone_at(browser, live_server, resident, {"longitude": 120.7503, "latitude": 30.7504})
    first = queue.take_ticket(point=hall, person=resident, remote=True)
    at_hall.goto(queue_url)
    at_hall.locator("form.arrive-form button.arrive").click()
    at_hall.locator(".messages").wait_for()
    assert Ticket.objects.get(pk=first.pk).status == Ticket.Status.CHECKED_IN
    at_hall.context.close()

    at_home = phone_at(browser, live_server, resident, {"longitude": 120.80, "latitude": 30.80})
    second = queue.take_ticket(point=hall, person=resident, remote=True)
    at_home.goto(queue_url)
    at_home.locator("form.arrive-form button.arrive").click()
    assert "米" in at_home.locator(".messages").inner_text()  # "you are … metres away"
    assert Ticket.objects.get(pk=second.pk).status == Ticket.Status.WAITING

    screen = browser.new_page()
    signed_in(screen, live_server, clerk)
    screen.goto(f"{live_server.url}/booking/points/{hall.pk}/screen/")
    code = screen.locator(".check-in-digits").inner_text(timeout=10_000).strip()
    assert screen.locator(".check-in-qr svg").count() == 1
    at_home.locator("form.arrive-form input[name=code]").fill(code)
    at_home.locator("form.arrive-form button.arrive").click()
    at_home.wait_for_url(queue_url)
    assert Ticket.objects.get(pk=second.pk).status == Ticket.Status.CHECKED_IN
    screen.context.close()
    at_home.context.close()
