"""The shipped catalogue: what every deployment has after migrating."""

from __future__ import annotations

import pytest

from linli.hall.catalogue import shipped
from linli.hall.models import Channel, Kind, Matter

pytestmark = pytest.mark.django_db

DELEGATED = {
    "home_purchase_household": "购房入户",
    "traffic_information_query": "交通违法信息查询",
    "same_name_query": "同名查询",
    "rental_housing_registration": "出租房屋登记",
    "floating_population_registration": "流动人口居住登记",
    "foreign_guest_registration": "境外人员临时住宿登记",
    "zhejiang_residence_permit": "浙江省居住证申领",
}


def test_every_deployment_has_at_least_140_matters_and_38_licences():
    assert Matter.objects.count() == len(shipped()) >= 140
    assert Matter.objects.filter(kind=Kind.LICENCE).count() >= 38
    assert Matter.objects.filter(domain="public_order", kind=Kind.LICENCE).count() >= 20


def test_exactly_the_seven_matters_of_the_police_rooms_are_delegated():
    delegated = dict(
        Matter.objects.filter(delegated_to_police_rooms=True).values_list("code", "name_zh")
    )
    assert delegated == DELEGATED
    for matter in Matter.objects.filter(delegated_to_police_rooms=True):
        assert Channel.POLICE_ROOM in matter.channels


def test_every_shipped_matter_passes_the_rules_an_administrator_is_held_to():
    for matter in Matter.objects.prefetch_related("materials"):
        matter.full_clean()
        assert matter.materials.exists(), matter.code
        assert matter.conditions and matter.legal_basis.startswith("《"), matter.code


def test_the_fees_residents_know_are_right():
    fees = dict(Matter.objects.values_list("code", "fee_fen"))
    assert fees["passport"] == 12000
    assert fees["id_card_renewal"] == 2000
    assert fees["same_name_query"] == 0


def test_the_hotel_permit_is_promised_in_two_working_days():
    hotel = Matter.objects.get(code="hotel_special_trade")
    assert (hotel.promised_days, hotel.name_zh) == (2, "旅馆业特种行业许可证核发")
    assert "《旅馆业治安管理办法》" in hotel.legal_basis


def test_the_codes_fit_what_bookings_store():
    from linli.booking.demo import EXIT_ENTRY, HOUSEHOLD, ROOM_MATTERS, TRAFFIC
    from linli.booking.models import Booking

    codes = set(Matter.objects.values_list("code", flat=True))
    assert set(ROOM_MATTERS + HOUSEHOLD + EXIT_ENTRY + TRAFFIC) <= codes
    assert max(map(len, codes)) <= Booking._meta.get_field("matter").max_length


def test_the_seed_never_overwrites_an_administrators_edit():
    from django.apps import apps

    from linli.hall.catalogue import sync_matters
    from linli.hall.models import Material

    Matter.objects.filter(code="passport").update(promised_days=5)
    Matter.objects.filter(code="same_name_query").delete()
    assert sync_matters(Matter, Material) == 1
    assert Matter.objects.get(code="passport").promised_days == 5
    assert apps.get_model("hall", "Matter").objects.filter(code="same_name_query").exists()


def test_load_matters_adds_only_what_is_missing_and_is_audited():
    import io

    from django.core.management import call_command

    from linli.core.audit import AuditKind
    from linli.core.models import AuditEvent

    Matter.objects.filter(code__in=["passport", "same_name_query"]).delete()
    out = io.StringIO()
    call_command("load_matters", stdout=out)
    assert out.getvalue().strip() == "2 matters added"
    assert AuditEvent.objects.get(kind=AuditKind.MATTER_CATALOGUE_IMPORTED).after["created"] == 2
    call_command("load_matters", stdout=out)
    assert AuditEvent.objects.filter(kind=AuditKind.MATTER_CATALOGUE_IMPORTED).count() == 1
