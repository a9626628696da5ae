"""The catalogue API over HTTP — and garbage, which gets a 400 naming the field."""

from __future__ import annotations

import json

import pytest
from django.utils import translation

from linli.hall.models import Domain, Matter

pytestmark = pytest.mark.django_db
API = "/api/v1/hall"


def fields(response) -> set[str]:
    return {e["field"] for e in response.json().get("errors", [])}


def test_the_first_page_counts_every_active_matter_and_links_the_next(client):
    body = client.get(f"{API}/matters").json()
    assert body["count"] == Matter.objects.count() >= 140
    assert len(body["items"]) == 20 and body["previous"] is None
    assert body["next"].endswith("/api/v1/hall/matters?page=2")


def test_the_last_page_has_no_next(client):
    count = Matter.objects.count()
    last = (count + 19) // 20
    body = client.get(f"{API}/matters?page={last}").json()
    assert body["next"] is None and len(body["items"]) == count - 20 * (last - 1)


def test_filters_combine_and_the_next_link_keeps_them(client):
    body = client.get(f"{API}/matters?domain=public_order&kind=licence").json()
    assert body["count"] >= 20
    assert {(m["domain"], m["kind"]) for m in body["items"]} == {("public_order", "licence")}
    assert "domain=public_order" in body["next"] and "page=2" in body["next"]


def test_the_seven_delegated_matters(client):
    body = client.get(f"{API}/matters?delegated=true").json()
    assert body["count"] == 7 and body["next"] is None


def test_a_chinese_search_finds_names_conditions_and_materials(client):
    names = {m["code"] for m in client.get(f"{API}/matters?q=旅馆").json()["items"]}
    assert {"hotel_special_trade", "hotel_licence_change"} <= names
    by_material = client.get(f"{API}/matters?q=不动产权证书").json()
    assert by_material["count"] >= 3


def test_names_follow_the_language(client):
    zh = client.get(f"{API}/matters?q=护照").json()["items"][0]
    en = client.get(f"{API}/matters?q=护照", HTTP_ACCEPT_LANGUAGE="en").json()["items"][0]
    assert zh["name"] == zh["name_zh"] and en["name"] == en["name_en"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("domain=space", "domain"),
        ("kind=%00", "kind"),
        ("page=0", "page"),
        ("page=two", "page"),
        ("page=99999999999999999999", "page"),
        ("delegated=perhaps", "delegated"),
        ("q=" + "长" * 51, "q"),
        ("q=a%00b", "q"),
    ],
)
def test_garbage_in_the_query_is_400_naming_the_field(client, query, field):
    response = client.get(f"{API}/matters?{query}")
    assert response.status_code == 400 and fields(response) == {field}


def test_one_matter_has_everything_a_resident_needs(client):
    body = client.get(f"{API}/matters/hotel_special_trade").json()
    assert body["name"] == "旅馆业特种行业许可证核发" and body["promised_days"] == 2
    with translation.override("zh-hans"):  # the request's language, Chinese by default
        assert body["domain_label"] == str(Domain.PUBLIC_ORDER.label)
    assert body["kind"] == "licence"
    licence = next(m for m in body["materials"] if m["name"] == "营业执照")
    assert licence["from_certificate_library"] is True
    assert licence["certificate_type"] == "business_licence"
    rooms = next(f for f in body["fields"] if f["name"] == "rooms")
    assert rooms == {"name": "rooms", "label": "客房数", "type": "integer", "required": True}


def test_field_labels_are_in_the_requests_language(client):
    body = client.get(f"{API}/matters/same_name_query", HTTP_ACCEPT_LANGUAGE="en").json()
    query_sex = next(f for f in body["fields"] if f["name"] == "query_sex")
    assert query_sex["label"] == "Sex" and query_sex["choices"] == ["男", "女"]


@pytest.mark.parametrize("code", ["nope", "PASSPORT", "x" * 300, "%00"])
def test_an_unknown_matter_is_404(client, code):
    response = client.get(f"{API}/matters/{code}")
    assert response.status_code == 404 and response.json()["message"]


def test_an_inactive_matter_is_404(client):
    Matter.objects.filter(code="passport").update(is_active=False)
    assert client.get(f"{API}/matters/passport").status_code == 404
    assert client.get(f"{API}/matters?q=普通护照签发").json()["count"] == 0


def post(client, url, body):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(url, data, content_type="application/json")


def test_checking_good_answers_gives_them_back_clean(client):
    response = post(
        client,
        f"{API}/matters/same_name_query/check",
        {"applicant_name": "张三", "applicant_id_number": "11010519491231002X",
         "phone": "138 1234 5678", "query_name": "张伟"},
    )  # fmt: skip
    assert response.status_code == 200, response.json()
    assert response.json()["data"]["phone"] == "+8613812345678"


def test_checking_bad_answers_names_every_field(client):
    response = post(
        client,
        f"{API}/matters/same_name_query/check",
        {"applicant_id_number": "123", "phone": "x", "query_sex": "?", "extra": 1},
    )
    assert response.status_code == 400
    assert fields(response) == {
        "applicant_name", "applicant_id_number", "phone", "query_name", "query_sex", "extra"
    }  # fmt: skip


@pytest.mark.parametrize(
    "body", ["not json", "[1, 2]", '"text"', "null", "[" * 100_000 + "]" * 100_000]
)
def test_checking_garbage_is_400(client, body):
    response = post(client, f"{API}/matters/same_name_query/check", body)
    assert response.status_code == 400 and response.json()["message"]


def test_checking_answers_for_an_unknown_matter_is_404(client):
    assert post(client, f"{API}/matters/nope/check", {}).status_code == 404


def test_the_openapi_schema_documents_every_hall_endpoint(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    ours = {p: ops for p, ops in paths.items() if p.startswith("/api/v1/hall/")}
    assert set(ours) == {
        "/api/v1/hall/matters",
        "/api/v1/hall/matters/{code}",
        "/api/v1/hall/matters/{code}/check",
        "/api/v1/hall/applications",
        "/api/v1/hall/applications/{number}",
        "/api/v1/hall/applications/{number}/resubmit",
        "/api/v1/hall/applications/{number}/pay",
        "/api/v1/hall/applications/{number}/fetch",
        "/api/v1/hall/applications/{number}/materials/{position}",
        "/api/v1/hall/applications/{number}/{action}",
        "/api/v1/hall/certificates",
    }
    assert all(
        op.get("summary") and op.get("description") for o in ours.values() for op in o.values()
    )
    check = ours["/api/v1/hall/matters/{code}/check"]["post"]
    assert check["requestBody"]["content"]["application/json"]["schema"]["type"] == "object"
    params = {p["name"] for p in ours["/api/v1/hall/matters"]["get"]["parameters"]}
    assert params == {"domain", "kind", "q", "delegated", "page"}


def test_a_search_costs_one_query_whatever_it_finds(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        client.get(f"{API}/matters?q=证")
    with django_assert_num_queries(1):
        client.get(f"{API}/matters?q=火星")


def test_a_page_past_the_end_is_empty_but_still_counts(client):
    body = client.get(f"{API}/matters?page=500").json()
    assert body["items"] == [] and body["next"] is None
    assert body["count"] == Matter.objects.count() and "page=499" in body["previous"]
