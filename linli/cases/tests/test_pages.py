"""The people's pages: the QR poster, the report form, following a case, the workbench and the
command board — with personas, garbage input and the same 404 for "not yours"."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from linli.cases import board
from linli.cases.models import Case, Feedback
from linli.core.audit import AuditKind
from linli.core.models import AuditEvent
from linli.people.models import Membership, Role, Unit, User
from linli.places.models import Area

pytestmark = pytest.mark.django_db

THEFT = "车棚里的电瓶车这个月已经被偷了三辆，晚上经常有陌生人转悠"


@pytest.fixture
def micro_grid(room) -> Area:
    return room.micro_grids.order_by("code").first()


def photo() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 10)).save(out, "JPEG")
    return SimpleUploadedFile("p.jpg", out.getvalue(), content_type="image/jpeg")


def submit(client, area, **fields):
    data = {
        "kind": "report",
        "description": THEFT,
        "area": area.code,
        "lon": area.centroid_lon,
        "lat": area.centroid_lat,
    } | fields
    return client.post(f"/cases/report/?area={area.code}", data)


def test_every_grid_has_a_printable_poster_whose_qr_opens_the_form_with_the_place(
    client, micro_grid, room
):
    page = client.get(f"/cases/qr/{micro_grid.code}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and "@page" not in html  # print rules live in site.css
    assert f"/cases/report/?area={micro_grid.code}" in html
    assert room.name in html and micro_grid.name in html
    grid = Area.objects.get(code=micro_grid.code[:15])
    assert client.get(f"/cases/qr/{grid.code}/").status_code == 200
    street = micro_grid.code[:9]
    assert client.get(f"/cases/qr/{street}/").status_code == 404
    assert client.get("/cases/qr/not-a-code/").status_code == 404

    form = client.get(f"/cases/report/?area={micro_grid.code}").content.decode()
    assert micro_grid.name in form
    assert f'value="{micro_grid.code}"' in form


def test_a_resident_reports_from_the_qr_form_with_a_photo_and_sees_the_number(
    client, micro_grid, room
):
    response = submit(client, micro_grid, photos=[photo()], contact_phone="13800000009")
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.channel == "qr" and case.unit == room.unit and case.photos.count() == 1
    page = client.get(response["Location"]).content.decode()
    assert case.number in page and 'id="submitted"' in page
    # Shown once: the confirmation goes, the case stays visible to this browser.
    again = client.get(response["Location"]).content.decode()
    assert 'id="submitted"' not in again and case.number in again


def test_an_anonymous_tip_shows_its_follow_up_code_once_and_the_code_opens_it_later(
    client, micro_grid
):
    response = submit(client, micro_grid, kind="tip", anonymous="on")
    page = client.get(response["Location"]).content.decode()
    code = re.search(r'id="follow-up-code">([0-9A-F]+)<', page).group(1)
    number = Case.objects.get().number

    other = client.__class__()
    assert other.get(f"/cases/c/{number}/").status_code == 404
    wrong = other.post("/cases/follow/", {"number": number, "code": "NOPE"})
    assert wrong.status_code == 200 and "errorlist" in wrong.content.decode()
    right = other.post("/cases/follow/", {"number": number, "code": code})
    assert right.status_code == 302
    assert other.get(right["Location"]).status_code == 200


def test_an_emergency_is_told_on_the_spot_while_typing(client):
    response = client.post("/cases/report/suggest/", {"description": "楼道里着火了，浓烟很大"})
    html = response.content.decode()
    assert 'id="emergency-notice"' in html and "119" in html
    calm = client.post("/cases/report/suggest/", {"description": "小区门口路灯坏了好几天"})
    assert "emergency-notice" not in calm.content.decode()
    assert "suggested-category" in calm.content.decode()


@pytest.mark.parametrize(
    "fields",
    [
        {"description": ""},
        {"description": "x" * 2001},
        {"kind": "shout"},
        {"lon": "east"},
        {"lon": "", "lat": ""},
        {"contact_phone": "call me"},
        {"lon": "116.39", "lat": "39.9"},  # Beijing: outside the district
    ],
)
def test_garbage_on_the_report_form_gets_messages_and_stores_nothing(client, micro_grid, fields):
    response = submit(client, micro_grid, **fields)
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not Case.objects.exists()


def test_a_file_that_is_not_a_photo_is_refused_and_nothing_is_stored(client, micro_grid):
    junk = SimpleUploadedFile("p.jpg", b"not an image", content_type="image/jpeg")
    response = submit(client, micro_grid, photos=[junk])
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not Case.objects.exists()


def test_the_officer_handles_the_case_on_the_workbench_and_another_room_gets_404(
    client, micro_grid, room_officer, other_room_officer
):
    submit(client, micro_grid)
    case = Case.objects.get()
    client.force_login(room_officer)
    inbox = client.get("/cases/inbox/").content.decode()
    assert case.number in inbox
    page = client.get(f"/cases/c/{case.number}/").content.decode()
    assert 'id="act-accept"' in page and THEFT in page

    client.post(f"/cases/c/{case.number}/act/", {"action": "accept"})
    client.post(f"/cases/c/{case.number}/act/", {"action": "follow_up", "text": "已回访"})
    client.post(
        f"/cases/c/{case.number}/act/",
        {"action": "resolve", "text": "已调取监控并加装车棚门禁", "photos": [photo()]},
    )
    case.refresh_from_db()
    assert case.status == "resolved" and case.photos.count() == 1
    assert case.events.filter(kind="follow_up", note="已回访").exists()

    refused = client.post(f"/cases/c/{case.number}/act/", {"action": "resolve", "text": ""})
    assert refused.status_code == 302  # with a message; nothing changed
    client.force_login(other_room_officer)
    assert client.get(f"/cases/c/{case.number}/").status_code == 404
    assert client.post(f"/cases/c/{case.number}/act/", {"action": "accept"}).status_code == 404
    assert case.number not in client.get("/cases/inbox/").content.decode()


def test_the_reporter_rates_the_result_and_garbage_ratings_change_nothing(
    client, micro_grid, room_officer, resident
):
    client.force_login(resident)
    submit(client, micro_grid)
    case = Case.objects.get()
    officer = client.__class__()
    officer.force_login(room_officer)
    officer.post(f"/cases/c/{case.number}/act/", {"action": "accept"})
    officer.post(f"/cases/c/{case.number}/act/", {"action": "resolve", "text": "已处理"})

    assert 'id="feedback-submit"' in client.get(f"/cases/c/{case.number}/").content.decode()
    for bad in ({"rating": "9"}, {"rating": "five"}, {}):
        client.post(f"/cases/c/{case.number}/feedback/", bad)
    assert not Feedback.objects.exists()
    client.post(f"/cases/c/{case.number}/feedback/", {"rating": "5", "comment": "很快"})
    case.refresh_from_db()
    assert case.status == "closed" and Feedback.objects.get().rating == 5
    assert case.number in client.get("/cases/mine/").content.decode()
    # The officer cannot rate for the resident.
    officer.post(f"/cases/c/{case.number}/feedback/", {"rating": "1"})
    assert Feedback.objects.count() == 1


def test_the_command_board_counts_from_the_records(client, micro_grid, room_officer):
    commander = User.objects.get(username="commander1")
    now = timezone.now()
    before = board.figures(now)
    submit(client, micro_grid)
    case = Case.objects.get()
    Case.objects.filter(pk=case.pk).update(due_at=now - timedelta(hours=1))
    after = board.figures(timezone.now())
    assert after.received_today == before.received_today + 1
    assert after.overdue_now == before.overdue_now + 1
    assert after.non_police_share is not None

    client.force_login(commander)
    page = client.get("/cases/board/").content.decode()
    assert f'id="fig-received">{after.received_today}<' in page
    partial = client.get("/cases/board/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "fig-overdue" in partial
    geo = client.get("/cases/board/cases.geojson").json()
    lateness = {f["properties"]["number"]: f["properties"]["lateness"] for f in geo["features"]}
    assert lateness[case.number] == "overdue"

    client.force_login(room_officer)
    assert client.get("/cases/board/").status_code == 404


def test_pages_need_the_right_person(client, resident):
    assert client.get("/cases/inbox/").status_code == 302  # to sign-in
    client.force_login(resident)
    assert client.get("/cases/inbox/").status_code == 404
    assert client.get("/cases/board/").status_code == 404
    assert client.get("/cases/c/330499-20200101-000001/").status_code == 404


def test_the_officer_merges_a_repeat_report_and_its_reporter_is_pointed_to_the_open_case(
    client, micro_grid, room_officer, resident, settings
):
    settings.LINLI_INTAKE_RATE = "100/h"
    submit(client, micro_grid)  # an anonymous neighbour first
    client.force_login(resident)
    submit(client, micro_grid, description=THEFT + "，我家的也被偷了")
    first, repeat = Case.objects.order_by("id")
    officer = client.__class__()
    officer.force_login(room_officer)
    page = officer.get(f"/cases/c/{repeat.number}/").content.decode()
    assert f'data-merge="{first.number}"' in page

    for bad in ("", "330499-20990101-000001", repeat.number):
        officer.post(f"/cases/c/{repeat.number}/act/", {"action": "merge", "into": bad})
    repeat.refresh_from_db()
    assert repeat.status == "new" and repeat.duplicate_of is None

    officer.post(f"/cases/c/{repeat.number}/act/", {"action": "merge", "into": first.number})
    repeat.refresh_from_db()
    assert repeat.status == "duplicate" and repeat.duplicate_of == first
    assert first.events.filter(kind="merged").exists()
    assert AuditEvent.objects.filter(kind=AuditKind.CASE_MERGED).exists()
    mine = client.get(f"/cases/c/{repeat.number}/").content.decode()
    assert 'id="merged-into"' in mine and first.number in mine
    # a duplicate offers no more merging
    assert "data-merge=" not in officer.get(f"/cases/c/{repeat.number}/").content.decode()


def test_staff_write_down_a_phone_call_on_the_report_form_and_residents_never_see_that(
    client, micro_grid, room_officer, resident
):
    client.force_login(resident)
    assert 'id="staff-entry"' not in client.get("/cases/report/").content.decode()
    submit(client, micro_grid, channel="phone", caller_name="冒充的")  # ignored for a resident
    mine = Case.objects.get()
    assert mine.channel == "qr" and mine.reporter == resident

    client.force_login(room_officer)
    assert 'id="staff-entry"' in client.get("/cases/report/").content.decode()
    called = {"channel": "phone", "caller_name": "李师傅"}
    submit(client, micro_grid, description=f"{THEFT}（来电）", **called)
    call = Case.objects.exclude(pk=mine.pk).get()
    assert call.channel == "phone" and call.reporter is None and call.reporter_name == "李师傅"
    submit(client, micro_grid, description=THEFT + "（来电2）", channel="fax")
    assert Case.objects.count() == 2


def test_the_board_lists_open_cases_most_overdue_first_as_far_as_the_viewer_may_see(
    client, micro_grid, room, other_room_officer
):
    submit(client, micro_grid)
    late = Case.objects.get()
    submit(client, micro_grid, description=f"{THEFT}，又一辆")
    fresh = Case.objects.exclude(pk=late.pk).get()
    Case.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    another_street = (
        Area.objects.filter(level="micro_grid")
        .exclude(code__startswith=micro_grid.code[:9])
        .order_by("code")
        .first()
    )
    submit(client, another_street)
    far = Case.objects.exclude(pk__in=[late.pk, fresh.pk]).get()

    client.force_login(User.objects.get(username="commander1"))
    page = client.get("/cases/board/").content.decode()
    rows = re.findall(r'<tr data-number="([^"]+)" data-lateness="([^"]+)"', page)
    assert rows[0] == (late.number, "overdue")  # the most overdue first
    assert {late.number, fresh.number, far.number} <= {number for number, _ in rows}
    # The board's periodic refresh brings the list too, swapped in beside the map.
    partial = client.get("/cases/board/", HTTP_HX_REQUEST="true").content.decode()
    assert 'id="board-list"' in partial and 'hx-swap-oob="true"' in partial
    assert late.number in partial and "<html" not in partial

    # District staff whose area is one street see that street's cases only.
    street = Unit.objects.get(kind=Unit.Kind.STREET_OFFICE, area_code=late.area_code[:9])
    watcher = User.objects.create_user(username="street-watch", password="x" * 12)
    Membership.objects.create(user=watcher, unit=street, role=Role.DISTRICT_STAFF)
    client.force_login(watcher)
    page = client.get("/cases/board/").content.decode()
    assert late.number in page and fresh.number in page and far.number not in page
    assert far.number not in client.get("/cases/board/", HTTP_HX_REQUEST="true").content.decode()

    client.force_login(other_room_officer)
    assert client.get("/cases/board/", HTTP_HX_REQUEST="true").status_code == 404
