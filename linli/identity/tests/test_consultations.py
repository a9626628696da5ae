"""Online consultation: a resident writes to a police room or one of its officers, the room's
staff reply, the response time is kept; garbage stores nothing; others' consultations are 404."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from linli.core.audit import AuditKind
from linli.core.models import AuditEvent
from linli.identity.models import Consultation, ConsultationMessage
from linli.identity.tests.conftest import client_for

API = "/api/v1/identity/consultations"


def post(client, url, body, **extra):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(url, data, content_type="application/json", **extra)


def fields(response) -> set[str]:
    return {e["field"] for e in response.json().get("errors", [])}


def ask(resident, units, **extra):
    body = {"unit": units["room"].pk, "subject": "居住证怎么办", "text": "请问需要带什么材料？"}
    response = post(client_for(resident), API, body | extra)
    assert response.status_code == 201, response.content
    return response.json()


def test_a_resident_writes_to_a_room_and_its_officer_replies(resident, officer, units):
    asked = ask(resident, units, officer=officer.pk)
    assert asked["status"] == "open" and asked["officer"]["name"] == "王**"
    assert asked["resident"] == "张**" and asked["response_seconds"] is None
    assert [m["text"] for m in asked["messages"]] == ["请问需要带什么材料？"]

    inbox = client_for(officer).get(API).json()
    assert inbox["count"] == 1 and inbox["items"][0]["id"] == asked["id"]
    replied = post(client_for(officer), f"{API}/{asked['id']}/messages", {"text": "带身份证即可。"})
    assert replied.status_code == 201
    body = replied.json()
    assert body["status"] == "answered" and body["response_seconds"] >= 0
    assert [m["from_staff"] for m in body["messages"]] == [False, True]

    seen = client_for(resident).get(f"{API}/{asked['id']}").json()
    assert seen["messages"][1]["text"] == "带身份证即可。"
    assert AuditEvent.objects.filter(kind=AuditKind.CONSULTATION_MESSAGE_ADDED).count() == 1


def test_the_response_time_is_the_first_reply_minus_creation(resident, officer, units):
    asked = ask(resident, units)
    Consultation.objects.filter(pk=asked["id"]).update(
        created_at=timezone.now() - timedelta(minutes=90)
    )
    post(client_for(officer), f"{API}/{asked['id']}/messages", {"text": "第一次回复"})
    post(client_for(resident), f"{API}/{asked['id']}/messages", {"text": "谢谢，还有一个问题"})
    again = post(client_for(officer), f"{API}/{asked['id']}/messages", {"text": "第二次回复"})
    assert 90 * 60 <= again.json()["response_seconds"] < 91 * 60
    assert Consultation.objects.get(pk=asked["id"]).response_minutes == 90


def test_a_follow_up_from_the_resident_opens_it_again_and_closed_takes_no_more(
    resident, officer, units
):
    asked = ask(resident, units)
    post(client_for(officer), f"{API}/{asked['id']}/messages", {"text": "已答复"})
    follow = post(client_for(resident), f"{API}/{asked['id']}/messages", {"text": "再问一下"})
    assert follow.json()["status"] == "open"
    closed = post(client_for(resident), f"{API}/{asked['id']}/close", {})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    late = post(client_for(officer), f"{API}/{asked['id']}/messages", {"text": "补充"})
    assert late.status_code == 409
    assert ConsultationMessage.objects.count() == 3


def test_someone_elses_consultation_is_404(resident, nameless, other_officer, units):
    asked = ask(resident, units)
    for user in (nameless, other_officer):
        client = client_for(user)
        assert client.get(f"{API}/{asked['id']}").status_code == 404
        assert post(client, f"{API}/{asked['id']}/messages", {"text": "x"}).status_code == 404
        assert post(client, f"{API}/{asked['id']}/close", {}).status_code == 404
        assert client.get(API).json() == {"count": 0, "items": []}
    assert client_for(resident).get(f"{API}/999999999").status_code == 404
    assert client_for(resident).get(f"{API}/{10**30}").status_code == 404


def test_street_staff_see_the_rooms_consultations_but_only_the_room_replies(
    resident, street_staff, units
):
    asked = ask(resident, units)
    assert client_for(street_staff).get(f"{API}/{asked['id']}").status_code == 200
    response = post(client_for(street_staff), f"{API}/{asked['id']}/messages", {"text": "x"})
    assert response.status_code == 403
    assert ConsultationMessage.objects.count() == 1


def test_lists_filter_by_status_and_page(resident, units):
    for _ in range(3):
        ask(resident, units)
    client = client_for(resident)
    assert client.get(f"{API}?status=answered").json()["count"] == 0
    page = client.get(f"{API}?limit=2&offset=2").json()
    assert page["count"] == 3 and len(page["items"]) == 1


@pytest.mark.parametrize(
    "query", ["status=lost", "limit=0", "limit=1000", "limit=abc", "offset=-1", "offset=1e9"]
)
def test_garbage_list_queries_are_400_naming_the_field(resident, query):
    response = client_for(resident).get(f"{API}?{query}")
    assert response.status_code == 400
    assert fields(response) == {query.split("=")[0]}


GOOD = {"subject": "问题", "text": "内容"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"unit": None}, "unit"),
        ({"unit": "abc"}, "unit"),
        ({"unit": -1}, "unit"),
        ({"unit": 10**30}, "unit"),
        ({"unit": 999999}, "unit"),
        ({"unit": "street"}, "unit"),
        ({"officer": "x"}, "officer"),
        ({"officer": 999999}, "officer"),
        ({"officer": "other"}, "officer"),
        ({"subject": ""}, "subject"),
        ({"subject": "   "}, "subject"),
        ({"subject": "长" * 101}, "subject"),
        ({"subject": 5}, "subject"),
        ({"subject": "\x00"}, "subject"),
        ({"text": ""}, "text"),
        ({"text": ["x"]}, "text"),
        ({"text": "x" * 2001}, "text"),
        ({"text": "\ud800"}, "text"),
    ],
)
def test_garbage_consultations_are_400_naming_the_field_and_store_nothing(
    resident, other_officer, units, change, field
):
    body = {"unit": units["room"].pk, **GOOD, **change}
    if body["unit"] == "street":
        body["unit"] = units["street"].pk
    if body.get("officer") == "other":
        body["officer"] = other_officer.pk
    response = post(client_for(resident), API, body)
    assert response.status_code == 400, response.content
    assert fields(response) == {field}
    assert not Consultation.objects.exists() and not ConsultationMessage.objects.exists()


@pytest.mark.parametrize("body", ["", "not json", "[]", "null", "{}"])
def test_a_body_that_is_not_a_consultation_is_400(resident, body):
    response = post(client_for(resident), API, body)
    assert response.status_code == 400 and response.json()["message"]
    assert not Consultation.objects.exists()


@pytest.mark.parametrize("body", ['{"text": ""}', '{"text": 5}', "{}", "[]", '{"text": "\\u0000"}'])
def test_garbage_replies_are_400_and_store_nothing(resident, officer, units, body):
    asked = ask(resident, units)
    response = post(client_for(officer), f"{API}/{asked['id']}/messages", body)
    assert response.status_code == 400
    assert ConsultationMessage.objects.count() == 1
    assert Consultation.objects.get().status == "open"


def test_anonymous_callers_get_401(db):
    assert client_for(None).get(API).status_code == 401
    assert post(client_for(None), API, GOOD).status_code == 401


def test_the_list_costs_the_same_queries_for_two_consultations_or_six(
    resident, officer, units, django_assert_num_queries
):
    client = client_for(officer)
    for _ in range(2):
        ask(resident, units, officer=officer.pk)
    # session, user, the caller's scope, the count, one page with room, officer and resident joined
    with django_assert_num_queries(5):
        assert client.get(API).json()["count"] == 2
    for _ in range(4):
        ask(resident, units)
    with django_assert_num_queries(5):
        assert client.get(API).json()["count"] == 6


def test_the_openapi_schema_documents_every_identity_endpoint(db):
    schema = client_for(None).get("/api/v1/openapi.json").json()
    for path, method in [
        ("/api/v1/identity/eid", "post"),
        ("/api/v1/identity/eid/public-key", "get"),
        ("/api/v1/identity/eid/verify", "post"),
        ("/api/v1/identity/consultations", "get"),
        ("/api/v1/identity/consultations", "post"),
        ("/api/v1/identity/consultations/{consultation_id}", "get"),
        ("/api/v1/identity/consultations/{consultation_id}/messages", "post"),
        ("/api/v1/identity/consultations/{consultation_id}/close", "post"),
    ]:
        assert schema["paths"][path][method]["summary"]
