"""A resident books a slot and takes a remote queue number on a phone; the queue page updates
itself when a window calls the number."""

from __future__ import annotations

import pytest

from linli.booking import queue
from linli.booking.models import Booking, ServicePoint
from linli.booking.tests.conftest import at_the_hall, next_workday
from linli.conftest import signed_in
from linli.people.models import User
from linli.places.models import PoliceRoom

pytestmark = pytest.mark.browser


def test_a_resident_books_on_a_phone_takes_a_number_and_sees_it_called(
    live_city, live_server, phone
):
    resident = User.objects.get(username="resident1")
    room = PoliceRoom.objects.select_related("unit").order_by("id").first()
    point = ServicePoint.objects.get(unit=room.unit)
    signed_in(phone, live_server, resident)

    phone.goto(f"{live_server.url}/booking/")
    assert "预约" in phone.title()  # Chinese by default
    phone.goto(f"{live_server.url}/booking/points/{point.pk}/?date={next_workday().isoformat()}")
    phone.locator("#book-form input[name=starts_at]:not([disabled])").first.check()
    phone.locator("#book-form button[type=submit]").click()
    phone.locator("#bookings").wait_for()
    booking = Booking.objects.get(person=resident)
    assert booking.reference in phone.locator("#bookings").inner_text()

    phone.goto(f"{live_server.url}/booking/points/{point.pk}/queue/")
    phone.locator("#take-ticket button").click()
    assert "R001" in phone.locator(".messages").inner_text()
    ticket = point.tickets.get()
    queue.check_in(ticket, actor=resident, presence=at_the_hall(point))
    queue.call_next(point.windows.first(), actor=None)
    phone.locator("#queue-board td", has_text="R001").wait_for(timeout=10_000)  # htmx polling
