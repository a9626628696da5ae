"""The public pages: no sign-in, Chinese first, everything a resident needs on one page."""

from __future__ import annotations

import pytest

from linli.hall.models import Domain, Matter

pytestmark = pytest.mark.django_db


def test_anyone_browses_the_hall_by_domain_with_counts(client):
    page = client.get("/hall/").content.decode()
    traffic = Matter.objects.filter(domain=Domain.TRAFFIC).count()
    assert 'href="?domain=traffic"' in page and f'<span class="tag">{traffic}</span>' in page
    assert page.count('href="/hall/matters/') == 20  # a page at a time
    assert 'rel="next"' in page


def test_the_last_page_has_no_next_link(client):
    last = (Matter.objects.count() + 19) // 20
    page = client.get("/hall/", {"page": last}).content.decode()
    assert 'rel="prev"' in page and 'rel="next"' not in page
    assert page.count('href="/hall/matters/') == Matter.objects.count() - 20 * (last - 1)


def test_a_domain_lists_only_its_matters(client):
    page = client.get("/hall/?domain=narcotics").content.decode()
    assert page.count('href="/hall/matters/') == Matter.objects.filter(domain="narcotics").count()
    assert "易制毒化学品" in page and "普通护照签发" not in page


def test_a_search_in_chinese_finds_the_hotel_permit(client):
    page = client.get("/hall/", {"q": "旅馆"}).content.decode()
    assert "旅馆业特种行业许可证核发" in page and "普通护照签发" not in page


def test_a_search_that_finds_nothing_says_so(client):
    page = client.get("/hall/", {"q": "火星移民"}).content.decode()
    assert 'id="no-matters"' in page


@pytest.mark.parametrize(
    "query",
    [
        {"domain": "space"},
        {"kind": "x"},
        {"q": "长" * 51},
        {"q": "a\x00b"},
        {"page": "0"},
        {"page": "x"},
    ],
)
def test_garbage_in_the_search_is_400_with_the_form_again(client, query):
    response = client.get("/hall/", query)
    assert response.status_code == 400
    assert 'class="errorlist"' in response.content.decode()


def test_the_matter_page_has_conditions_materials_fee_time_and_trips(client):
    page = client.get("/hall/matters/hotel_special_trade/").content.decode()
    for text in ("旅馆业特种行业许可证核发", "营业执照", "《旅馆业治安管理办法》", "旅馆平面图"):
        assert text in page
    assert page.count("tag-ok") >= 2  # licence and ID card come from the library
    passport = client.get("/hall/matters/passport/").content.decode()
    assert "120" in passport and "最多跑一次" in passport


def test_a_matter_without_a_trip_says_so(client):
    page = client.get("/hall/matters/same_name_query/").content.decode()
    assert "最多跑零次" in page


def test_the_page_is_chinese_even_for_a_browser_that_prefers_english(client):
    page = client.get("/hall/matters/passport/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="zh-hans">' in page


@pytest.mark.parametrize("code", ["nope", "%00", "x" * 200])
def test_an_unknown_matter_is_404(client, code):
    assert client.get(f"/hall/matters/{code}/").status_code == 404


def test_the_pages_cost_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        client.get("/hall/", {"q": "证"})
    with django_assert_max_num_queries(4):
        client.get("/hall/matters/hotel_special_trade/")
