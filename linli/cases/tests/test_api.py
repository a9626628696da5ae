"""The cases API end to end over HTTP: report, read, handle, work orders, feedback — and every
kind of garbage, which gets a 4xx naming the field and stores nothing."""

from __future__ import annotations

import json

import pytest

from linli.cases.models import Case, CaseEvent, WorkOrder
from linli.cases.routing import _traffic_squad
from linli.people import actions as people
from linli.people.models import Membership, Role, User

pytestmark = pytest.mark.django_db

PARKING = "小区门口有辆车停了两个多月没动过，落满灰，轮胎都瘪了"
NOISE = "楼上邻居每天半夜拖椅子、蹦跳，吵得睡不着，说了好几次也不改"
THEFT = "车棚里的电瓶车这个月已经被偷了三辆，晚上经常有陌生人转悠"


def token(user: User) -> str:
    return people.create_api_token(user, actor=user, name="test").token


def call(client, method, url, user=None, body=None, **extra):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token(user)}"} if user is not None else {}
    data = body if isinstance(body, str) else json.dumps(body if body is not None else {})
    if method == "get":
        return client.get(url, **headers, **extra)
    return client.post(url, data, content_type="application/json", **headers, **extra)


def report(client, spot, user=None, **fields):
    body = {"kind": "report", "description": THEFT, "lon": spot[0], "lat": spot[1]} | fields
    return call(client, "post", "/api/v1/cases", user, body)


# --- intake ----------------------------------------------------------------------------------


def test_an_anonymous_report_is_received_routed_and_followed_with_its_code(client, spot, room):
    response = report(
        client, spot, kind="tip", anonymous=True, description="那个出租屋里天天有人聚众赌博"
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) >= {"number", "status", "tier", "category", "unit", "due_at"}
    assert body["status"] == "new" and body["tier"] == "community"
    assert body["unit"] == {"id": room.unit_id, "name": room.unit.name}
    assert body["number"].startswith("330499-") and body["follow_up_code"]
    assert Case.objects.filter(number=body["number"]).count() == 1

    mine = client.get(f"/api/v1/cases/{body['number']}?code={body['follow_up_code']}")
    assert mine.status_code == 200
    assert mine.json()["work_orders"] is None  # the public view
    assert client.get(f"/api/v1/cases/{body['number']}?code=WRONG").status_code == 404
    assert client.get(f"/api/v1/cases/{body['number']}").status_code == 404


def test_a_signed_in_resident_reports_with_a_token_and_reads_the_public_timeline(
    client, spot, resident
):
    number = report(client, spot, resident, contact_phone="13800000001").json()["number"]
    case = Case.objects.get(number=number)
    assert case.reporter == resident and case.contact_phone == "+8613800000001"
    CaseEvent.objects.create(case=case, kind="note", at=case.created_at, public=False, note="内部")

    body = call(client, "get", f"/api/v1/cases/{number}", resident).json()
    assert [e["note"] for e in body["timeline"]] == ["Received through web portal."] or all(
        e["note"] != "内部" for e in body["timeline"]
    )
    assert body["work_orders"] is None


def test_an_emergency_tells_the_resident_to_call_now(client, spot):
    body = report(client, spot, description="楼上着火了，冒了好多黑烟，有人被困").json()
    assert body["emergency"] is True
    assert "119" in body["advice"]


def test_a_report_next_to_an_open_one_points_to_it(client, spot):
    first = report(client, spot).json()["number"]
    second = report(client, (spot[0] + 0.0002, spot[1]), description=THEFT + "，又丢了一辆").json()
    assert first in second["duplicates"]


def test_a_place_outside_the_district_is_refused_naming_the_coordinates(client):
    response = report(client, (116.39, 39.9))
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "lon"
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "shout"}, "kind"),
        ({"kind": 7}, "kind"),
        ({"description": ""}, "description"),
        ({"description": "   "}, "description"),
        ({"description": "x" * 2001}, "description"),
        ({"description": "ab\x00cd"}, "description"),
        ({"lon": "east"}, "lon"),
        ({"lon": 500}, "lon"),
        ({"lat": -91}, "lat"),
        ({"lon": None}, "lon"),
        ({"category": "no.such.thing"}, "category"),
        ({"contact_phone": "call me maybe"}, "contact_phone"),
        ({"address": "a" * 201}, "address"),
        ({"anonymous": "perhaps"}, "anonymous"),
    ],
)
def test_garbage_in_any_field_gets_400_naming_it_and_stores_nothing(client, spot, fields, field):
    response = report(client, spot, **fields)
    assert response.status_code == 400, response.content
    assert field in [e["field"] for e in response.json()["errors"]]
    assert all(e["message"] for e in response.json()["errors"])
    assert not Case.objects.exists()


@pytest.mark.parametrize("body", ["", "{", "[]", "null", '{"lon": NaN}', "😀" * 10])
def test_a_body_that_is_not_a_case_gets_400(client, body):
    response = call(client, "post", "/api/v1/cases", None, body)
    assert response.status_code == 400
    assert response.json()["message"]


def test_missing_fields_are_each_named(client):
    response = call(client, "post", "/api/v1/cases", None, {})
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"kind", "description", "lon", "lat"} <= fields


def test_anonymous_reports_are_rate_limited_per_address(client, spot, settings, resident):
    settings.LINLI_INTAKE_RATE = "2/h"
    statuses = [report(client, spot, description=f"{THEFT}{i}").status_code for i in range(3)]
    assert statuses == [201, 201, 429]
    assert report(client, spot, resident).status_code == 201  # signed in: not limited


def test_a_wrong_token_is_401_never_an_anonymous_report(client, spot):
    response = client.post(
        "/api/v1/cases",
        json.dumps({"kind": "report", "description": NOISE, "lon": spot[0], "lat": spot[1]}),
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer lnl_wrong",
    )
    assert response.status_code == 401
    assert not Case.objects.exists()


def test_triage_suggests_a_category(client):
    response = call(client, "post", "/api/v1/cases/triage", None, {"text": PARKING})
    body = response.json()
    assert response.status_code == 200
    assert body["top"] == "traffic" and body["category"].startswith("traffic.")
    assert set(body) >= {"confidence", "police_matter", "emergency", "alternatives"}
    assert call(client, "post", "/api/v1/cases/triage", None, {"text": ""}).status_code == 400


# --- reading and jurisdiction ----------------------------------------------------------------


def test_the_room_officer_sees_the_case_and_an_officer_of_another_room_gets_404(
    client, spot, room_officer, other_room_officer
):
    number = report(client, spot).json()["number"]
    mine = call(client, "get", f"/api/v1/cases/{number}", room_officer)
    assert mine.status_code == 200 and mine.json()["work_orders"] == []

    theirs = call(client, "get", f"/api/v1/cases/{number}", other_room_officer)
    missing = call(client, "get", "/api/v1/cases/330499-20200101-000001", other_room_officer)
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()
    accept = call(client, "post", f"/api/v1/cases/{number}/accept", other_room_officer)
    assert accept.status_code == 404
    listed = call(client, "get", "/api/v1/cases", other_room_officer).json()["items"]
    assert number not in [c["number"] for c in listed]


def test_the_inbox_costs_the_same_queries_for_two_cases_or_twelve(
    client, spot, room, room_officer, settings
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.LINLI_INTAKE_RATE = "100/h"
    url = f"/api/v1/cases?unit={room.unit_id}&limit=20"
    counts = []
    for batch in (2, 10):
        for i in range(batch):
            assert report(client, spot, description=f"{THEFT} 第{i}次").status_code == 201
        with CaptureQueriesContext(connection) as queries:
            items = call(client, "get", url, room_officer).json()["items"]
        counts.append(len(queries))
        assert len(items) == sum((2, 10)[: len(counts)])
        assert {(c["category"]["code"], c["unit"]["name"]) for c in items} == {
            ("public_order.theft", room.unit.name)
        }
    assert counts[0] == counts[1], counts


def test_the_list_pages_with_a_cursor_and_filters(client, spot, room_officer):
    numbers = [
        report(client, spot, description=f"{THEFT} 第{i}次").json()["number"] for i in range(5)
    ]
    seen, after = [], ""
    for _ in range(5):
        page = call(client, "get", f"/api/v1/cases?limit=2{after}", room_officer).json()
        seen += [c["number"] for c in page["items"]]
        if not page["next"]:
            break
        after = f"&after={page['next']}"
    assert seen == list(reversed(numbers))

    call(client, "post", f"/api/v1/cases/{numbers[0]}/accept", room_officer)
    accepted = call(client, "get", "/api/v1/cases?status=accepted", room_officer).json()
    assert [c["number"] for c in accepted["items"]] == [numbers[0]]
    assert call(client, "get", "/api/v1/cases?status=nonsense", room_officer).status_code == 400
    assert call(client, "get", "/api/v1/cases?after=garbage!", room_officer).status_code == 400
    assert call(client, "get", "/api/v1/cases?limit=1000", room_officer).status_code == 400
    assert client.get("/api/v1/cases").status_code == 401


# --- handling --------------------------------------------------------------------------------


def test_an_officer_accepts_starts_and_resolves_and_refused_steps_say_why(
    client, spot, room_officer
):
    number = report(client, spot).json()["number"]
    url = f"/api/v1/cases/{number}"

    still_new = call(client, "post", f"{url}/resolve", room_officer, {"result": "已处理"})
    assert still_new.status_code == 409
    assert call(client, "post", f"{url}/accept", room_officer).json()["status"] == "accepted"
    assert call(client, "post", f"{url}/start", room_officer).json()["status"] == "in_progress"
    no_result = call(client, "post", f"{url}/resolve", room_officer, {"result": " "})
    assert no_result.status_code == 400
    assert no_result.json()["errors"][0]["field"] == "result"
    done = call(
        client, "post", f"{url}/resolve", room_officer, {"result": "已上门劝导，当事人道歉"}
    )
    assert done.json()["status"] == "resolved"
    refused = call(client, "post", f"{url}/accept", room_officer)
    assert refused.status_code == 409 and "已办结" in refused.json()["message"]
    assert call(client, "post", f"{url}/fly", room_officer).status_code in (400, 404)


def test_suspension_needs_a_reason_and_escalation_changes_the_tier(client, spot, room_officer):
    number = report(client, spot).json()["number"]
    url = f"/api/v1/cases/{number}"
    call(client, "post", f"{url}/accept", room_officer)
    assert call(client, "post", f"{url}/suspend", room_officer).status_code == 400
    suspended = call(client, "post", f"{url}/suspend", room_officer, {"reason": "等待鉴定"})
    assert suspended.json()["status"] == "suspended"
    assert call(client, "post", f"{url}/resume", room_officer).json()["status"] == "in_progress"
    escalated = call(client, "post", f"{url}/escalate", room_officer, {"reason": "需要街道协调"})
    assert escalated.status_code == 200
    assert escalated.json()["tier"] == "street" and escalated.json()["status"] == "in_progress"


def test_a_resident_cannot_handle_their_own_case(client, spot, resident):
    number = report(client, spot, resident).json()["number"]
    assert call(client, "post", f"/api/v1/cases/{number}/accept", resident).status_code == 403


# --- work orders -----------------------------------------------------------------------------


def test_a_zombie_car_goes_to_the_traffic_squad_which_moves_it(client, spot, room_officer):
    number = report(
        client,
        spot,
        description="僵尸车，车牌浙F·D12345，停在小区门口两个月了",
        category="traffic.zombie_car",
    ).json()["number"]
    case = Case.objects.get(number=number)
    squad = _traffic_squad(case.area_code)
    traffic_officer = Membership.objects.filter(unit=squad, role=Role.TRAFFIC_OFFICER).first().user
    # The case went to the squad by routing; the squad sends the community side a work order
    # to find the owner, or the other way round — here the room asks the squad.
    case.unit = room_officer.memberships.first().unit
    case.save(update_fields=["unit"])

    sent = call(
        client,
        "post",
        f"/api/v1/cases/{number}/work-orders",
        room_officer,
        {"to_unit": squad.pk, "instruction": "僵尸车，车牌浙F·D12345，请核查处理"},
    )
    assert sent.status_code == 201
    order = sent.json()
    assert order["status"] == "sent" and order["to_unit"]["id"] == squad.pk

    # The squad now sees the case through its work order.
    assert call(client, "get", f"/api/v1/cases/{number}", traffic_officer).status_code == 200
    # The room cannot act for the squad.
    assert (
        call(client, "post", f"/api/v1/work-orders/{order['id']}/accept", room_officer).status_code
        == 403
    )
    accepted = call(client, "post", f"/api/v1/work-orders/{order['id']}/accept", traffic_officer)
    assert accepted.json()["status"] == "accepted"
    empty = call(client, "post", f"/api/v1/work-orders/{order['id']}/complete", traffic_officer)
    assert empty.status_code == 400 and empty.json()["errors"][0]["field"] == "result"
    done = call(
        client,
        "post",
        f"/api/v1/work-orders/{order['id']}/complete",
        traffic_officer,
        {"result": "已联系车主，车辆已移走"},
    )
    assert (
        done.json()["status"] == "completed" and done.json()["result"] == "已联系车主，车辆已移走"
    )
    timeline = call(client, "get", f"/api/v1/cases/{number}", room_officer).json()["timeline"]
    assert sum(e["kind"] == "work_order" for e in timeline) == 3
    again = call(client, "post", f"/api/v1/work-orders/{order['id']}/accept", traffic_officer)
    assert again.status_code == 409


def test_a_work_order_is_returned_with_a_reason_or_transferred(
    client, spot, room_officer, street_staff
):
    number = report(client, spot).json()["number"]
    case = Case.objects.get(number=number)
    squad = _traffic_squad(case.area_code)
    traffic_officer = Membership.objects.filter(unit=squad, role=Role.TRAFFIC_OFFICER).first().user
    office = street_staff.memberships.first().unit

    def send():
        return call(
            client,
            "post",
            f"/api/v1/cases/{number}/work-orders",
            room_officer,
            {"to_unit": squad.pk, "instruction": "请协助"},
        ).json()["id"]

    first = send()
    base = "/api/v1/work-orders"
    assert call(client, "post", f"{base}/{first}/return", traffic_officer).status_code == 400
    returned = call(
        client, "post", f"{base}/{first}/return", traffic_officer, {"reason": "不属于交通事项"}
    )
    assert returned.json()["status"] == "returned"

    second = send()
    moved = call(
        client,
        "post",
        f"{base}/{second}/transfer",
        traffic_officer,
        {"to_unit": office.pk, "reason": "请街道协调"},
    )
    assert moved.status_code == 200 and moved.json()["to_unit"]["id"] == office.pk
    assert WorkOrder.objects.get(pk=second).status == "transferred"
    assert WorkOrder.objects.get(pk=second).transferred_to_id == moved.json()["id"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"to_unit": "squad", "instruction": "x"},
        {"to_unit": 99999999, "instruction": "x"},
        {"to_unit": 1, "instruction": ""},
        {"to_unit": 1, "instruction": "x", "due_at": "tomorrow"},
    ],
)
def test_garbage_work_orders_are_refused(client, spot, room_officer, body):
    number = report(client, spot).json()["number"]
    response = call(client, "post", f"/api/v1/cases/{number}/work-orders", room_officer, body)
    assert response.status_code == 400
    assert not WorkOrder.objects.exists()


# --- feedback --------------------------------------------------------------------------------


def resolved(client, spot, room_officer, user=None, **fields):
    created = report(client, spot, user, **fields).json()
    url = f"/api/v1/cases/{created['number']}"
    call(client, "post", f"{url}/accept", room_officer)
    call(client, "post", f"{url}/resolve", room_officer, {"result": "已处理"})
    return created


def test_the_reporter_rates_the_result_and_the_case_closes(client, spot, room_officer, resident):
    number = resolved(client, spot, room_officer, resident)["number"]
    response = call(client, "post", f"/api/v1/cases/{number}/feedback", resident, {"rating": 5})
    assert response.status_code == 201
    assert response.json() == {"number": number, "status": "closed", "rating": 5}


def test_an_anonymous_reporter_reopens_with_the_code(client, spot, room_officer):
    created = resolved(client, spot, room_officer, anonymous=True)
    url = f"/api/v1/cases/{created['number']}/feedback"
    no_reason = call(
        client, "post", url, None, {"rating": 1, "reopen": True, "code": created["follow_up_code"]}
    )
    assert no_reason.status_code == 400 and no_reason.json()["errors"][0]["field"] == "comment"
    body = {"rating": 1, "reopen": True, "comment": "还是很吵", "code": created["follow_up_code"]}
    assert call(client, "post", url, None, body).json()["status"] == "reopened"
    assert call(client, "post", url, None, body | {"code": "NOPE"}).status_code == 404


@pytest.mark.parametrize("rating", [0, 6, "5", 4.5, None, True])
def test_a_rating_outside_one_to_five_is_refused(client, spot, room_officer, resident, rating):
    number = resolved(client, spot, room_officer, resident)["number"]
    response = call(
        client, "post", f"/api/v1/cases/{number}/feedback", resident, {"rating": rating}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "rating"
    assert Case.objects.get(number=number).status == "resolved"


def test_someone_else_cannot_rate_a_case(client, spot, room_officer, resident, other_room_officer):
    number = resolved(client, spot, room_officer, resident)["number"]
    response = call(
        client, "post", f"/api/v1/cases/{number}/feedback", other_room_officer, {"rating": 1}
    )
    assert response.status_code == 404


def test_csrf_applies_to_signed_in_sessions_but_not_to_anonymous_reports(spot, resident):
    from django.test import Client

    body = json.dumps({"kind": "report", "description": THEFT, "lon": spot[0], "lat": spot[1]})
    browser = Client(enforce_csrf_checks=True)
    anonymous = browser.post("/api/v1/cases", body, content_type="application/json")
    assert anonymous.status_code == 201

    browser.force_login(resident)
    forged = browser.post("/api/v1/cases", body, content_type="application/json")
    assert forged.status_code in (401, 403)
    assert Case.objects.count() == 1


def test_staff_merge_a_duplicate_over_the_api_and_garbage_merges_nothing(
    client, spot, room_officer, other_room_officer, resident, settings
):
    settings.LINLI_INTAKE_RATE = "100/h"
    first = report(client, spot).json()["number"]
    repeat = report(client, spot, resident, description=THEFT + "，第二次").json()
    assert repeat["duplicates"] == [first]
    url = f"/api/v1/cases/{repeat['number']}/merge"

    for body in ({}, {"into": ""}, {"into": 7}, {"into": "nope"}, {"into": repeat["number"]}):
        refused = call(client, "post", url, room_officer, body)
        assert refused.status_code == 400, refused.json()
        assert "into" in {e["field"] for e in refused.json()["errors"]}
    assert call(client, "post", url, other_room_officer, {"into": first}).status_code == 404
    assert call(client, "post", url, resident, {"into": first}).status_code == 403  # reporter
    assert Case.objects.get(number=repeat["number"]).status == "new"

    merged = call(client, "post", url, room_officer, {"into": first})
    assert merged.status_code == 200, merged.json()
    assert merged.json()["status"] == "duplicate" and merged.json()["duplicate_of"] == first
    again = call(client, "post", url, room_officer, {"into": first})
    assert again.status_code == 409
    mine = call(client, "get", f"/api/v1/cases/{repeat['number']}", resident).json()
    assert mine["duplicate_of"] == first


def test_an_officer_records_a_phone_call_for_the_caller_who_gets_the_follow_up_code(
    client, spot, room_officer, resident
):
    body = {"channel": "phone", "caller_name": "王大妈", "contact_phone": "13800138000"}
    response = report(client, spot, room_officer, **body)
    assert response.status_code == 201, response.json()
    case = Case.objects.get(number=response.json()["number"])
    assert case.channel == "phone" and case.reporter is None
    assert case.reporter_name == "王大妈" and case.contact_phone == "+8613800138000"
    assert response.json()["follow_up_code"]
    found = report(client, spot, room_officer, description=THEFT + "（巡逻发现）")
    assert Case.objects.get(number=found.json()["number"]).channel == "officer"

    for who, extra, field in (
        (resident, {"channel": "phone"}, "channel"),
        (None, {"caller_name": "张三"}, "channel"),
        (room_officer, {"channel": "fax"}, "channel"),
        (room_officer, {"channel": "officer", "caller_name": "张三"}, "caller_name"),
        (room_officer, {"channel": "phone", "caller_name": "x" * 101}, "caller_name"),
    ):
        refused = report(client, spot, who, **extra)
        assert refused.status_code == 400, (extra, refused.json())
        assert field in {e["field"] for e in refused.json()["errors"]}
    assert Case.objects.count() == 2
