"""A resident checks in a remote number on their phone only from the hall: with the code on the
hall's screen (its QR code, or its digits typed), or with the phone's position near the point
when the point's position is known — and only until the time to arrive. Staff of the hall need
no proof. A refused check-in names the field at fault, changes nothing and writes no audit
event."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from django.utils import timezone

from linli.booking import queue
from linli.booking.actions import BookingError
from linli.booking.models import ServicePoint, Ticket
from linli.booking.presence import CODE_STEP, NEAR_METRES, Presence, code_is_current, hall_code
from linli.booking.tests.conftest import at, make_point, make_resident, next_workday
from linli.booking.tests.test_api import bearer, fields
from linli.core.audit import AuditKind
from linli.core.models import AuditEvent
from linli.people.models import Membership, Role, Unit, User

pytestmark = pytest.mark.django_db
API = "/api/v1/booking"
# The hall stands at 120.7500 E, 30.7500 N; 0.001° of latitude is about 111 m.
HALL = (120.75, 30.75)
NEARBY = (120.7504, 30.7512)  # about 140 m away
ACROSS_TOWN = (120.78, 30.77)  # about 3.6 km away


@pytest.fixture
def day():
    return next_workday()


@pytest.fixture
def hall(station) -> ServicePoint:
    return make_point(unit=station, lon=HALL[0], lat=HALL[1])


@pytest.fixture
def no_position_hall(db) -> ServicePoint:
    return make_point(name="区行政服务中心公安窗口")


@pytest.fixture
def holder(db) -> User:
    return make_resident(1)


def take(point: ServicePoint, holder: User, day) -> Ticket:
    """A remote number taken at 9:00, to arrive by 10:00."""
    return queue.take_ticket(point=point, person=holder, remote=True, now=at(day, 9))


def status_of(ticket: Ticket) -> str:
    return Ticket.objects.get(pk=ticket.pk).status


def check_ins() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(kind=AuditKind.TICKET_CHECKED_IN))


def wrong_code(point: ServicePoint, now) -> str:
    """Six digits that are not the code the point's screen shows at ``now``."""
    return next(c for c in ("000000", "111111", "222222") if not code_is_current(point, c, now))


def refused(ticket: Ticket, holder: User, presence: Presence, now) -> BookingError:
    with pytest.raises(BookingError) as refusal:
        queue.check_in(ticket, actor=holder, presence=presence, now=now)
    assert status_of(ticket) == Ticket.Status.WAITING and not check_ins()
    return refusal.value


# --- the code on the hall's screen -----------------------------------------------------------


def test_a_holder_checks_in_with_the_code_shown_at_the_hall(hall, holder, day):
    ticket = take(hall, holder, day)
    now = at(day, 9, 20)
    queue.check_in(ticket, actor=holder, presence=Presence(code=hall_code(hall, now)), now=now)
    assert status_of(ticket) == Ticket.Status.CHECKED_IN
    (event,) = check_ins()
    assert event.actor == holder and event.after["by"] == "code"


def test_the_code_is_six_digits_and_changes_with_each_step(hall, day):
    codes = {hall_code(hall, at(day, 9) + n * CODE_STEP) for n in range(12)}
    assert all(len(c) == 6 and c.isdigit() for c in codes) and len(codes) > 1
    assert hall_code(hall, at(day, 9)) == hall_code(hall, at(day, 9))


def test_the_code_just_replaced_still_works_but_an_older_one_does_not(hall, holder, day):
    now = at(day, 9, 20)
    assert code_is_current(hall, hall_code(hall, now - CODE_STEP), now)
    stale = hall_code(hall, now - 3 * CODE_STEP)
    assert not code_is_current(hall, stale, now)
    error = refused(take(hall, holder, day), holder, Presence(code=stale), now)
    assert (error.status, error.field) == (403, "code")


def test_the_code_of_another_hall_does_not_work(hall, no_position_hall, holder, day):
    now = at(day, 9, 20)
    other = hall_code(no_position_hall, now)
    assert other != hall_code(hall, now)
    error = refused(take(hall, holder, day), holder, Presence(code=other), now)
    assert (error.status, error.field) == (403, "code")


@pytest.mark.parametrize(
    "code", ["12345", "1234567", "abcdef", "１２３４５６", "12 456", "<script>", "1e5000"]
)
def test_a_code_that_is_not_six_digits_is_400_naming_the_code(hall, holder, day, code):
    error = refused(take(hall, holder, day), holder, Presence(code=code), at(day, 9, 20))
    assert (error.status, error.field) == (400, "code") and "6" in error.message


def test_no_proof_at_all_is_400_naming_the_code(hall, no_position_hall, holder, day):
    for point in (hall, no_position_hall):
        error = refused(take(point, holder, day), holder, Presence(), at(day, 9, 20))
        assert (error.status, error.field) == (400, "code")


# --- the phone's position --------------------------------------------------------------------


def test_a_holder_near_the_hall_checks_in_by_the_phones_position(hall, holder, day):
    ticket = take(hall, holder, day)
    lon, lat = NEARBY
    queue.check_in(ticket, actor=holder, presence=Presence(lon=lon, lat=lat), now=at(day, 9, 20))
    assert status_of(ticket) == Ticket.Status.CHECKED_IN
    (event,) = check_ins()
    assert event.after["by"] == "position" and 100 < event.after["metres"] <= NEAR_METRES


def test_a_holder_across_town_is_403_naming_the_longitude_and_told_the_distance(hall, holder, day):
    lon, lat = ACROSS_TOWN
    error = refused(take(hall, holder, day), holder, Presence(lon=lon, lat=lat), at(day, 9, 20))
    assert (error.status, error.field) == (403, "lon")
    metres = int(error.message.split(" m ")[0].split()[-1])
    assert 3000 < metres < 4500


def test_a_point_whose_position_is_unknown_asks_for_the_code(no_position_hall, holder, day):
    lon, lat = HALL
    ticket = take(no_position_hall, holder, day)
    error = refused(ticket, holder, Presence(lon=lon, lat=lat), at(day, 9, 20))
    assert (error.status, error.field) == (400, "code")


@pytest.mark.parametrize(
    ("lon", "lat", "field"),
    [
        (120.75, None, "lat"),
        (None, 30.75, "lon"),
        (float("nan"), 30.75, "lon"),
        (120.75, float("inf"), "lat"),
        (181.0, 30.75, "lon"),
        (120.75, -90.5, "lat"),
    ],
)
def test_a_position_that_is_not_one_is_400_naming_the_field(hall, holder, day, lon, lat, field):
    presence = Presence(lon=lon, lat=lat)
    error = refused(take(hall, holder, day), holder, presence, at(day, 9, 20))
    assert (error.status, error.field) == (400, field)


def test_a_code_given_is_checked_alone_even_with_a_position_near_the_hall(hall, holder, day):
    now = at(day, 9, 20)
    lon, lat = NEARBY
    presence = Presence(code=wrong_code(hall, now), lon=lon, lat=lat)
    error = refused(take(hall, holder, day), holder, presence, now)
    assert (error.status, error.field) == (403, "code")


# --- the arrival window and who checks in -----------------------------------------------------


def test_after_the_time_to_arrive_even_the_right_code_only_expires_the_number(hall, holder, day):
    ticket = take(hall, holder, day)
    late = at(day, 10, 1)
    with pytest.raises(BookingError) as refusal:
        queue.check_in(
            ticket, actor=holder, presence=Presence(code=hall_code(hall, late)), now=late
        )
    assert refusal.value.status == 409 and status_of(ticket) == Ticket.Status.EXPIRED
    assert not check_ins()


def test_up_to_the_last_minute_of_the_time_to_arrive_the_holder_checks_in(hall, holder, day):
    ticket = take(hall, holder, day)
    last = at(day, 10)
    queue.check_in(ticket, actor=holder, presence=Presence(code=hall_code(hall, last)), now=last)
    assert status_of(ticket) == Ticket.Status.CHECKED_IN


def test_staff_of_the_hall_check_a_visitor_in_with_no_proof(hall, holder, window_clerk, day):
    ticket = take(hall, holder, day)
    queue.check_in(ticket, actor=window_clerk, now=at(day, 9, 20))
    assert status_of(ticket) == Ticket.Status.CHECKED_IN
    assert check_ins()[0].after["by"] == "staff"


def test_staff_of_another_hall_are_no_staff_here(hall, no_position_hall, holder, day):
    elsewhere = User.objects.create(username="elsewhere", phone="13900000009")
    station = Unit.objects.create(
        code="station-x", name="新丰派出所", kind=Unit.Kind.POLICE_STATION, area_code="330402002"
    )
    Membership.objects.create(user=elsewhere, unit=station, role=Role.OFFICER)
    error = refused(take(hall, holder, day), elsewhere, Presence(), at(day, 9, 20))
    assert error.field == "code"


def test_ten_wrong_codes_and_even_the_right_one_must_wait(hall, holder, day, monkeypatch):
    # one fixed rate window, whatever the wall clock says
    monkeypatch.setattr("linli.core.ratelimit.time", SimpleNamespace(time=lambda: 1.9e9))
    ticket = take(hall, holder, day)
    now = at(day, 9, 20)
    for _ in range(10):
        assert refused(ticket, holder, Presence(code=wrong_code(hall, now)), now).status == 403
    error = refused(ticket, holder, Presence(code=hall_code(hall, now)), now)
    assert (error.status, error.field) == (429, "code")


# --- POST /api/v1/booking/tickets/{id}/check-in ---------------------------------------------


def post_check_in(client, ticket: Ticket, user: User, body: str):
    return client.post(
        f"{API}/tickets/{ticket.pk}/check-in",
        body,
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **bearer(user),
    )


def test_the_api_checks_in_with_the_code_or_a_nearby_position(client, hall, holder):
    by_code, by_position = (
        queue.take_ticket(point=hall, person=holder, remote=True) for _ in range(2)
    )
    # a code stays good for the step after the one it is shown in: 5 minutes at least
    code = hall_code(hall, timezone.now())
    response = post_check_in(client, by_code, holder, json.dumps({"code": code}))
    assert response.status_code == 200 and response.json()["status"] == "checked_in"
    lon, lat = NEARBY
    response = post_check_in(client, by_position, holder, json.dumps({"lon": lon, "lat": lat}))
    assert response.status_code == 200 and response.json()["status"] == "checked_in"


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ("{}", "code", 400),
        ("[1]", "code", 400),
        ('"123456"', "code", 400),
        ('{"code": 123456}', "code", 400),
        ('{"code": "%s"}' % ("1" * 13), "code", 400),
        ('{"code": "12345x"}', "code", 400),
        ('{"code": "WRONG"}', "code", 403),
        ('{"lon": "east", "lat": 30.75}', "lon", 400),
        ('{"lon": 120.75}', "lat", 400),
        ('{"lon": 1e999, "lat": 30.75}', "lon", 400),
        ('{"lon": NaN, "lat": 30.75}', "lon", 400),
        ('{"lon": 120.75, "lat": 95}', "lat", 400),
        ('{"lon": 120.78, "lat": 30.77}', "lon", 403),
    ],
)
def test_garbage_or_a_wrong_proof_is_a_4xx_naming_the_field(
    client, hall, holder, body, field, status
):
    ticket = queue.take_ticket(point=hall, person=holder, remote=True)
    body = body.replace("WRONG", wrong_code(hall, timezone.now()))
    response = post_check_in(client, ticket, holder, body)
    assert response.status_code == status and fields(response) == {field}
    assert response.json()["message"] and status_of(ticket) == Ticket.Status.WAITING


def test_a_body_that_is_not_json_is_400(client, hall, holder):
    ticket = queue.take_ticket(point=hall, person=holder, remote=True)
    assert post_check_in(client, ticket, holder, "code=123456").status_code == 400
    assert status_of(ticket) == Ticket.Status.WAITING


def test_the_errors_are_in_chinese_for_a_chinese_phone(client, hall, holder):
    ticket = queue.take_ticket(point=hall, person=holder, remote=True)
    response = client.post(
        f"{API}/tickets/{ticket.pk}/check-in",
        "{}",
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
        **bearer(holder),
    )
    assert response.status_code == 400 and "签到" in response.json()["message"]


def test_the_points_list_gives_each_points_position_or_null(client, hall, no_position_hall):
    points = {p["id"]: p for p in client.get(f"{API}/points").json()}
    assert (points[hall.pk]["lon"], points[hall.pk]["lat"]) == HALL
    assert points[no_position_hall.pk]["lon"] is None


# --- the pages -------------------------------------------------------------------------------


def test_the_arrive_form_asks_for_the_code_and_sends_the_position_where_the_point_has_one(
    client, hall, no_position_hall, holder
):
    client.force_login(holder)
    for point, locates in ((hall, True), (no_position_hall, False)):
        queue.take_ticket(point=point, person=holder, remote=True)
        page = client.get(f"/booking/points/{point.pk}/queue/").content.decode()
        assert 'name="code"' in page and "booking/arrive.js" in page
        assert ('data-locate="1"' in page) is locates


def test_the_scanned_link_fills_in_the_code_and_garbage_in_it_is_not_echoed(client, hall, holder):
    queue.take_ticket(point=hall, person=holder, remote=True)
    client.force_login(holder)
    page = client.get(f"/booking/points/{hall.pk}/queue/?code=428193").content.decode()
    assert 'value="428193"' in page
    for garbage in ("<script>alert(1)</script>", "4281９3", "1" * 40):
        page = client.get(f"/booking/points/{hall.pk}/queue/", {"code": garbage}).content.decode()
        assert 'name="code" value=""' in page and "alert(1)" not in page


def test_arriving_from_the_page_with_the_code_checks_in_and_a_wrong_one_says_why(
    client, hall, holder
):
    ticket = queue.take_ticket(point=hall, person=holder, remote=True)
    client.force_login(holder)
    arrived = f"/booking/tickets/{ticket.pk}/arrived/"
    response = client.post(arrived, {"code": wrong_code(hall, timezone.now())})
    assert response.status_code == 403 and b'class="messages"' in response.content
    assert status_of(ticket) == Ticket.Status.WAITING
    response = client.post(arrived, {"code": hall_code(hall, timezone.now())})
    assert response.status_code == 302 and status_of(ticket) == Ticket.Status.CHECKED_IN


@pytest.mark.parametrize(
    ("posted", "status"),
    [
        ({}, 400),
        ({"lon": "abc", "lat": "30.75"}, 400),
        ({"lon": "120.75"}, 400),
        ({"lon": "nan", "lat": "30.75"}, 400),
        ({"lon": "1e400", "lat": "30.75"}, 400),
        ({"lon": "120.78", "lat": "30.77"}, 403),
        ({"code": "１２３４５６"}, 400),
        ({"code": "1 OR 1=1"}, 400),
        ({"code": "9" * 500}, 400),
    ],
)
def test_garbage_posted_to_arrive_is_a_4xx_with_the_page_and_nothing_changes(
    client, hall, holder, posted, status
):
    ticket = queue.take_ticket(point=hall, person=holder, remote=True)
    client.force_login(holder)
    response = client.post(f"/booking/tickets/{ticket.pk}/arrived/", posted)
    assert response.status_code == status and b'class="messages"' in response.content
    assert b'id="my-tickets"' in response.content
    assert status_of(ticket) == Ticket.Status.WAITING and not check_ins()


# --- the hall's screen -----------------------------------------------------------------------


def test_the_hall_screen_shows_the_current_code_as_digits_and_a_qr_code_to_staff_only(
    client, hall, holder, window_clerk
):
    client.force_login(window_clerk)
    page = client.get(f"/booking/points/{hall.pk}/screen/").content.decode()
    assert f"/booking/points/{hall.pk}/screen/code/" in page and 'id="queue-board"' in page
    fragment = client.get(f"/booking/points/{hall.pk}/screen/code/").content.decode()
    shown = fragment.split('class="check-in-digits">')[1][:6]
    assert code_is_current(hall, shown, timezone.now()) and "<svg" in fragment
    queue_page = client.get(f"/booking/points/{hall.pk}/queue/").content.decode()
    assert f"/booking/points/{hall.pk}/screen/" in queue_page

    client.force_login(holder)
    for path in ("screen/", "screen/code/"):
        assert client.get(f"/booking/points/{hall.pk}/{path}").status_code == 404
    assert (
        'id="hall-screen"' not in client.get(f"/booking/points/{hall.pk}/queue/").content.decode()
    )


def test_the_hall_screen_of_another_point_or_of_nothing_is_404(
    client, hall, no_position_hall, window_clerk
):
    client.force_login(window_clerk)
    for point_id in (no_position_hall.pk, 999999, "abc"):
        assert client.get(f"/booking/points/{point_id}/screen/").status_code == 404
    client.logout()
    response = client.get(f"/booking/points/{hall.pk}/screen/code/")
    assert response.status_code == 302 and "login" in response["Location"]
