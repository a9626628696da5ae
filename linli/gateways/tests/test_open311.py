"""Open311 GeoReport v2 conformance: every endpoint in JSON and XML, every field, the errors."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from linli.cases.models import Case, Category
from linli.gateways.actions import create_client

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"
W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
REQUEST_FIELDS = {
    "service_request_id", "status", "status_notes", "service_name", "service_code",
    "description", "agency_responsible", "service_notice", "requested_datetime",
    "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat", "long",
    "media_url",
}  # fmt: skip


@pytest.fixture
def key(demo_city) -> str:
    return create_client("test app")[1]


@pytest.fixture
def light() -> Category:
    return Category.objects.get(code="municipal.street_light")


def post_request(client, key, spot, code, **extra):
    data = {
        "api_key": key,
        "service_code": code,
        "lat": spot[1],
        "long": spot[0],
        "description": "路灯坏了一个多星期，晚上很黑",
        "first_name": "小明",
        "last_name": "王",
        "phone": "13800000011",
    } | extra
    return client.post(f"{BASE}/requests.json", data)


def xml(response) -> ET.Element:
    assert response["Content-Type"].startswith("text/xml")
    return ET.fromstring(response.content)


def test_discovery_in_both_formats(client):
    body = client.get(f"{BASE}/discovery.json").json()
    assert body["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert body["endpoints"][0]["formats"] == ["application/json", "text/xml"]
    root = xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery" and root.find("endpoints/endpoint/url").text.endswith("/v2/")


def test_services_list_public_categories_and_hide_private_and_urgent_ones(client, light):
    services = client.get(f"{BASE}/services.json").json()
    codes = {s["service_code"] for s in services}
    assert light.open311_code in codes
    private = Category.objects.filter(private=True).values_list("open311_code", flat=True)
    urgent = Category.objects.filter(code__startswith="emergency").values_list(
        "open311_code", flat=True
    )
    assert not codes & set(private) and not codes & set(urgent)
    one = next(s for s in services if s["service_code"] == light.open311_code)
    assert set(one) == {
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    }
    assert one["type"] == "realtime" and one["metadata"] is True
    root = xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services" and len(root.findall("service")) == len(services)
    assert root.find("service/metadata").text in ("true", "false")


def test_a_service_definition_has_its_attributes(client, light):
    body = client.get(f"{BASE}/services/{light.open311_code}.json").json()
    assert body["service_code"] == light.open311_code
    assert body["attributes"][0]["code"] == "details" and body["attributes"][0]["required"] is False
    traffic = Category.objects.get(code="traffic.zombie_car")
    codes = [
        a["code"]
        for a in client.get(f"{BASE}/services/{traffic.open311_code}.json").json()["attributes"]
    ]
    assert codes == ["details", "plate"]
    root = xml(client.get(f"{BASE}/services/{light.open311_code}.xml"))
    assert (
        root.tag == "service_definition"
        and root.find("attributes/attribute/code").text == "details"
    )
    missing = client.get(f"{BASE}/services/NOPE.xml")
    assert missing.status_code == 404 and xml(missing).find("error/code").text == "404"


def test_a_request_is_posted_stored_once_and_read_back_with_every_field(client, key, spot, light):
    response = post_request(
        client, key, spot, light.open311_code, **{"attribute[details]": "3号楼东侧"}
    )
    assert response.status_code == 201
    (created,) = response.json()
    assert set(created) == {"service_request_id", "service_notice", "account_id"}
    case = Case.objects.get(number=created["service_request_id"])
    assert case.channel == "open311" and "3号楼东侧" in case.description
    assert case.contact_phone == "+8613800000011" and case.reporter_name == "王小明"

    (one,) = client.get(f"{BASE}/requests/{case.number}.json").json()
    assert set(one) == REQUEST_FIELDS
    assert one["status"] == "open" and one["agency_responsible"] == case.unit.name
    assert one["service_code"] == light.open311_code
    for field in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert W3C.match(one[field]), one[field]
    assert one["lat"] == pytest.approx(spot[1]) and one["long"] == pytest.approx(spot[0])
    root = xml(client.get(f"{BASE}/requests/{case.number}.xml"))
    assert root.tag == "service_requests"
    assert {child.tag for child in root.find("request")} == REQUEST_FIELDS
    assert client.get(f"{BASE}/tokens/{case.number}.json").json() == [
        {"service_request_id": case.number, "token": case.number}
    ]


def test_an_address_string_alone_places_the_request_in_the_area_it_names(client, key, light):
    from linli.places.models import Area

    grid = Area.objects.filter(level="grid").order_by("code")[5]
    data = {
        "api_key": key,
        "service_code": light.open311_code,
        "address_string": f"{grid.name}，5幢楼下",
        "description": "路灯不亮",
    }
    response = client.post(f"{BASE}/requests.xml", data)  # the XML form of a POST, too
    assert response.status_code == 201
    number = xml(response).find("request/service_request_id").text
    case = Case.objects.get(number=number)
    assert case.area_code.startswith(grid.code) and len(case.area_code) == 18
    assert case.address == f"{grid.name}，5幢楼下"
    token = xml(client.get(f"{BASE}/tokens/{number}.xml"))
    assert token.find("request/token").text == number


@pytest.mark.parametrize(
    "address",
    ["", "   ", "火星基地一号", "NAME_OF_DISTRICT 某路 1 号", "NAME_OF_STREET 某路 1 号"],
)
def test_an_address_string_that_names_no_community_is_refused(client, key, light, address):
    from linli.places.models import Area

    for level in ("district", "street"):
        name = Area.objects.filter(level=level).order_by("code").first().name
        address = address.replace(f"NAME_OF_{level.upper()}", name)
    data = {"api_key": key, "service_code": light.open311_code, "description": "路灯不亮"}
    response = client.post(f"{BASE}/requests.json", data | {"address_string": address})
    assert response.status_code == 400
    (error,) = response.json()
    assert error["code"] == 400 and "lat" in error["description"]
    assert not Case.objects.exists()


def test_a_zombie_car_with_a_plate_attribute(client, key, spot):
    code = Category.objects.get(code="traffic.zombie_car").open311_code
    ok = post_request(
        client, key, spot, code, description="僵尸车", **{"attribute[plate]": "浙fd12345"}
    )
    assert ok.status_code == 201
    assert "浙F·D12345" in Case.objects.get().description
    bad = post_request(
        client, key, spot, code, description="僵尸车", **{"attribute[plate]": "XX123"}
    )
    assert bad.status_code == 400 and "attribute[plate]" in bad.json()[0]["description"]


@pytest.mark.parametrize(
    ("extra", "status"),
    [
        ({"api_key": ""}, 403),
        ({"api_key": "o311_wrong"}, 403),
        ({"service_code": "NOPE"}, 404),
        ({"lat": ""}, 400),
        ({"long": "east"}, 400),
        ({"lat": "95"}, 400),
        ({"lat": "39.9", "long": "116.39"}, 400),  # outside the district
        ({"description": ""}, 400),
        ({"description": "x" * 5000}, 400),
        ({"phone": "not a phone"}, 400),
    ],
)
def test_bad_posts_get_the_spec_errors_and_store_nothing(client, key, spot, light, extra, status):
    response = post_request(client, key, spot, light.open311_code, **extra)
    assert response.status_code == status
    (error,) = response.json()
    assert error["code"] == status and error["description"]
    assert not Case.objects.exists()
    as_xml = client.post(
        f"{BASE}/requests.xml", {"api_key": "bad", "service_code": light.open311_code}
    )
    assert xml(as_xml).find("error/code").text == "403"


def test_the_list_filters_and_windows(client, key, spot, light):
    numbers = [
        post_request(client, key, spot, light.open311_code, description=f"路灯坏了{i}").json()[0][
            "service_request_id"
        ]
        for i in range(3)
    ]
    old = Case.objects.get(number=numbers[0])
    Case.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=100))

    listed = [r["service_request_id"] for r in client.get(f"{BASE}/requests.json").json()]
    assert numbers[0] not in listed and set(numbers[1:]) <= set(listed)  # 90-day default
    by_id = client.get(f"{BASE}/requests.json?service_request_id={numbers[0]},{numbers[1]}").json()
    assert {r["service_request_id"] for r in by_id} == {numbers[0], numbers[1]}
    assert client.get(f"{BASE}/requests.json?status=closed").json() == []
    paged = client.get(f"{BASE}/requests.json?page_size=1&page=2").json()
    assert len(paged) == 1 and paged[0]["service_request_id"] == numbers[1]
    start = (timezone.now() - timedelta(days=200)).isoformat()
    wide = client.get(f"{BASE}/requests.json", {"start_date": start}).json()
    assert numbers[0] in [r["service_request_id"] for r in wide]
    root = xml(client.get(f"{BASE}/requests.xml?service_code={light.open311_code}"))
    assert len(root.findall("request")) == 2


@pytest.mark.parametrize(
    "query",
    [
        "start_date=yesterday",
        "end_date=2026-13-01T00:00:00Z",
        "status=maybe",
        "page_size=5000",
        "page=0",
        "page_size=abc",
        "start_date=2026-11-20T00:00:00Z&end_date=2026-11-01T00:00:00Z",
    ],
)
def test_bad_queries_get_400_in_the_spec_shape(client, demo_city, query):
    response = client.get(f"{BASE}/requests.json?{query}")
    assert response.status_code == 400 and response.json()[0]["code"] == 400
    assert xml(client.get(f"{BASE}/requests.xml?{query}")).find("error/description").text


def test_unknown_format_method_and_request(client, demo_city):
    assert client.get(f"{BASE}/services.yaml").status_code == 404
    assert client.delete(f"{BASE}/services.json").status_code == 405
    assert client.get(f"{BASE}/requests/330499-20200101-000001.json").status_code == 404


def test_a_private_tip_is_never_listed(client, key, spot):
    from linli.cases.actions import Intake, submit_case

    tip = submit_case(
        Intake(
            kind="tip",
            channel="web",
            description="出租屋里有人吸毒",
            lon=spot[0],
            lat=spot[1],
            category="public_order.drugs",
            anonymous=True,
        ),
        actor=None,
    ).case
    assert client.get(f"{BASE}/requests/{tip.number}.json").status_code == 404
    assert tip.number not in str(client.get(f"{BASE}/requests.json").json())


def test_service_request_updates_read_and_write(client, key, spot, light):
    number = post_request(client, key, spot, light.open311_code).json()[0]["service_request_id"]
    posted = client.post(
        f"{BASE}/servicerequestupdates.json",
        {
            "api_key": key,
            "service_request_id": number,
            "description": "今天还是不亮",
            "status": "OPEN",
        },
    )
    assert posted.status_code == 201 and posted.json()[0]["update_id"]
    as_xml = client.post(
        f"{BASE}/servicerequestupdates.xml",
        {"api_key": key, "service_request_id": number, "description": "还有一盏也坏了"},
    )
    assert as_xml.status_code == 201
    assert xml(as_xml).find("request_update/update_id").text
    updates = client.get(f"{BASE}/servicerequestupdates.json").json()
    mine = [u for u in updates if u["service_request_id"] == number]
    assert any(u["description"] == "今天还是不亮" for u in mine)
    assert set(mine[0]) == {
        "update_id",
        "service_request_id",
        "status",
        "updated_datetime",
        "description",
        "media_url",
    }
    root = xml(client.get(f"{BASE}/servicerequestupdates.xml"))
    assert (
        root.tag == "service_request_updates" and root.find("request_update/update_id") is not None
    )
    bad = client.post(
        f"{BASE}/servicerequestupdates.json",
        {"api_key": "x", "service_request_id": number, "description": "x"},
    )
    assert bad.status_code == 403


def test_the_key_command_creates_lists_and_revokes(client, demo_city, spot, light):
    out = io.StringIO()
    call_command("open311_key", "create", "city app", stdout=out)
    key = out.getvalue().strip()
    assert key.startswith("o311_")
    assert post_request(client, key, spot, light.open311_code).status_code == 201
    listing = io.StringIO()
    call_command("open311_key", "list", stdout=listing)
    assert "city app" in listing.getvalue() and key not in listing.getvalue()
    call_command("open311_key", "revoke", "city app", stdout=io.StringIO())
    assert post_request(client, key, spot, light.open311_code).status_code == 403
    with pytest.raises(CommandError):
        call_command("open311_key", "create", "city app")


def test_the_demo_key_is_kept_in_var_and_works_on_every_run(
    client, demo_city, tmp_path, spot, light
):
    from linli.gateways.actions import demo_key

    first = demo_key(tmp_path)
    assert demo_key(tmp_path) == first
    assert (tmp_path / "open311-demo-key").stat().st_mode & 0o077 == 0
    assert post_request(client, first, spot, light.open311_code).status_code == 201
