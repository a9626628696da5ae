from __future__ import annotations

import pytest

from linli.places.tests.conftest import X0, Y0

pytestmark = pytest.mark.django_db


def test_locate_answers_the_contract_with_every_level_the_room_and_the_masked_officer(city, client):
    response = client.get("/api/v1/places/locate", {"lon": X0 + 0.005, "lat": Y0 + 0.015})
    assert response.status_code == 200
    body = response.json()
    assert body["micro_grid"] == {"code": "330499001001001002", "name": "微网格001-002"}
    assert body["grid"]["code"] == "330499001001001"
    assert body["community"] == {"code": "330499001001", "name": "甲社区"}
    assert body["street"]["code"] == "330499001"
    assert body["district"] == {"code": "330499", "name": "测试区"}
    room = body["police_room"]
    assert room["id"] == city["room"].id
    assert room["phone"] == "0573-80000001"
    assert room["brand"] == "枫桥驿站"
    assert room["open_now"] is True
    assert room["hours"]
    assert body["officer_on_duty"] == {"name": "王**", "phone": "0573-80000001"}


def test_locate_outside_every_area_is_a_404_with_a_message(city, client):
    response = client.get("/api/v1/places/locate", {"lon": 100.0, "lat": 20.0})
    assert response.status_code == 404
    assert response.json()["message"]


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"lon": "east", "lat": "north"}, {"lon", "lat"}),
        ({"lon": 181, "lat": 30}, {"lon"}),
        ({"lon": 120, "lat": -91}, {"lat"}),
        ({"lat": 30}, {"lon"}),
        ({"lon": "NaN", "lat": "inf"}, {"lon", "lat"}),
        ({"lon": "1e400", "lat": "1" * 5000}, {"lon", "lat"}),
    ],
)
def test_locate_refuses_garbage_naming_each_field(city, client, params, fields):
    response = client.get("/api/v1/places/locate", params)
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == fields
    assert all(e["message"] for e in response.json()["errors"])


def test_areas_are_listed_by_level_and_within_with_a_count(city, client):
    response = client.get(
        "/api/v1/places/areas", {"level": "micro_grid", "within": "330499001001002"}
    )
    body = response.json()
    assert body["count"] == 2
    assert [a["code"] for a in body["items"]] == ["330499001001002001", "330499001001002002"]
    assert body["items"][0]["parent"] == "330499001001002"
    assert body["items"][0]["centroid"] == pytest.approx([X0 + 0.015, Y0 + 0.005])


def test_areas_refuse_an_unknown_level_and_a_non_numeric_code(city, client):
    response = client.get("/api/v1/places/areas", {"level": "planet", "within": "33x"})
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"level", "within"}


def test_areas_geojson_is_a_feature_collection(city, client):
    response = client.get("/api/v1/places/areas.geojson", {"level": "street", "simplify": 0.0001})
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert [f["properties"] for f in body["features"]] == [
        {"code": "330499001", "name": "西街道", "level": "street"},
        {"code": "330499002", "name": "东街道", "level": "street"},
    ]
    assert body["features"][0]["geometry"]["type"] == "Polygon"


def test_police_rooms_list_and_detail_show_the_officer_on_duty_masked(city, client):
    body = client.get("/api/v1/places/police-rooms").json()
    assert body["count"] == 1
    room = body["items"][0]
    assert room["officer_on_duty"] == "王**"
    assert room["hours_json"]["mon"] == [["00:00", "24:00"]]
    assert room["station"] == "西派出所"
    detail = client.get(f"/api/v1/places/police-rooms/{room['id']}").json()
    assert detail == room
    assert client.get("/api/v1/places/police-rooms/424242").status_code == 404
    assert client.get("/api/v1/places/police-rooms/abc").status_code in (400, 404)


def test_the_room_list_costs_a_fixed_number_of_queries(city, client, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        client.get("/api/v1/places/police-rooms", {"limit": 50})


def test_nearest_rooms_come_with_their_distance_in_metres(city, client):
    body = client.get(
        "/api/v1/places/police-rooms/nearest", {"lon": X0 + 0.005, "lat": Y0 + 0.015, "n": 3}
    ).json()
    assert len(body["items"]) == 1
    # 0.01° of latitude is about 1,112 m.
    assert 1100 <= body["items"][0]["distance_m"] <= 1125
    bad = client.get("/api/v1/places/police-rooms/nearest", {"lon": 1, "lat": 2, "n": 0})
    assert bad.status_code == 400


def test_the_openapi_schema_documents_every_places_endpoint(client):
    schema = client.get("/api/v1/openapi.json").json()
    for path in [
        "/api/v1/places/locate",
        "/api/v1/places/areas",
        "/api/v1/places/areas.geojson",
        "/api/v1/places/police-rooms",
        "/api/v1/places/police-rooms/nearest",
        "/api/v1/places/police-rooms/{room_id}",
    ]:
        assert path in schema["paths"]
        assert schema["paths"][path]["get"]["summary"]


def test_the_api_docs_page_loads_nothing_from_another_host(client):
    page = client.get("/api/v1/docs").content.decode()
    assert "cdn" not in page.lower()
    assert "http://" not in page and "https://" not in page
