"""Service-hall personas: a real-name resident with certificates in the library, a clerk of
the district bureau, an officer of a police room elsewhere, and the hotel licence's answers."""

from __future__ import annotations

import json
from datetime import date

import pytest

from linli.core.crypto import blind_index
from linli.hall.models import Certificate, CertificateType, Matter
from linli.payments.tests.conftest import localpay, localpay_process  # noqa: F401 (fixtures)
from linli.people.models import Membership, Role, Unit, User

RESIDENT_ID = "330402199001011230"
HOTEL_ANSWERS = {
    "organisation_name": "南湖区邻里民宿",
    "credit_code": "92330402MA2B3C4D5E",
    "premises_address": "南湖区邻里路8号",
    "legal_representative": "王芳",
    "contact_phone": "13800001234",
    "rooms": "12",
}


def make_certificate(user: User, cert_type: str, number: str, **extra) -> Certificate:
    return Certificate.objects.create(
        cert_type=cert_type,
        number=number,
        holder_name=user.full_name,
        holder_id_number=user.id_number,
        holder_index=user.id_number_index,
        issuer="区市场监督管理局",
        valid_from=extra.pop("valid_from", date(2020, 1, 1)),
        contents=json.dumps({"note": "test"}),
        **extra,
    )


def make_staff(username: str, unit: Unit, role: str = Role.DISTRICT_STAFF) -> User:
    user = User.objects.create(username=username, full_name="窗口民警", phone="13900009999")
    Membership.objects.create(user=user, unit=unit, role=role)
    return user


@pytest.fixture
def bureau(db) -> Unit:
    return Unit.objects.create(
        code="bureau-t", name="南湖公安分局", kind=Unit.Kind.POLICE_BUREAU, area_code="330402"
    )


@pytest.fixture
def clerk(bureau) -> User:
    return make_staff("clerk", bureau)


@pytest.fixture
def stranger(db) -> User:
    """An officer of a police room in another district: sees nothing here."""
    room = Unit.objects.create(
        code="room-x", name="外区警务室", kind=Unit.Kind.POLICE_ROOM, area_code="330411001001"
    )
    return make_staff("stranger", room, Role.OFFICER)


@pytest.fixture
def resident(bureau) -> User:
    user = User.objects.create(
        username="applicant",
        full_name="王芳",
        phone="13800001234",
        id_number=RESIDENT_ID,
        id_number_index=blind_index(RESIDENT_ID, purpose="id_number"),
        is_real_name=True,
    )
    make_certificate(user, CertificateType.ID_CARD, RESIDENT_ID)
    make_certificate(user, CertificateType.BUSINESS_LICENCE, "92330402MA2B3C4D5E")
    make_certificate(user, CertificateType.PROPERTY_CERTIFICATE, "浙2020南湖不动产权第0012345号")
    return user


@pytest.fixture
def hotel(db) -> Matter:
    return Matter.objects.get(code="hotel_special_trade")


@pytest.fixture
def localpay_paid(db):
    """Record an application's fee as paid (the real payment flow is in test_fees.py)."""
    from datetime import timedelta

    from django.utils import timezone

    from linli.hall.applications import PURPOSE
    from linli.payments.models import PaymentOrder

    def pay(application) -> PaymentOrder:
        now = timezone.now()
        return PaymentOrder.objects.create(
            out_trade_no=f"PTEST{application.pk:08d}",
            subject=application.matter.name_zh,
            amount_fen=application.fee_fen,
            payer=application.applicant,
            purpose_kind=PURPOSE,
            purpose_reference=application.number,
            status=PaymentOrder.Status.PAID,
            provider="localpay",
            provider_trade_no=f"T{application.pk:08d}",
            expires_at=now + timedelta(minutes=15),
            paid_at=now,
        )

    return pay


SCAN = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def hand_in_missing(application, actor) -> int:
    """Hand in every required material still missing as a scanned PDF (as at a window)."""
    import io

    from linli.hall.applications import attach_upload

    rows = application.materials.filter(required=True, source="missing")
    positions = list(rows.values_list("position", flat=True))
    for position in positions:
        attach_upload(application, position, io.BytesIO(SCAN), actor=actor)
    return len(positions)
