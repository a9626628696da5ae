"""The demo e-certificate library: more than identity papers, valid today, and the same on
every load."""

from __future__ import annotations

import pytest
from django.utils import timezone

from linli.core.crypto import blind_index
from linli.hall import applications
from linli.hall.demo import load_demo_certificates
from linli.hall.models import Certificate, CertificateType
from linli.people.models import User

pytestmark = pytest.mark.django_db

# Born 1960, 1975, 1985, 1990, 2004: a retiree, three working ages, a young adult.
ID_NUMBERS = [
    "330402196003150011",
    "330402197507200021",
    "330402198511010030",
    "330402199002280045",
    "330402200406060052",
]


@pytest.fixture
def demo_residents(db) -> list[User]:
    return [
        User.objects.create(
            username=f"resident{serial}",
            full_name=f"居民{serial}",
            phone=f"1380000{serial:04d}",
            id_number=id_number,
            id_number_index=blind_index(id_number, purpose="id_number"),
            is_real_name=True,
            is_demo=True,
        )
        for serial, id_number in enumerate(ID_NUMBERS, start=1)
    ]


def library() -> list[tuple[str, str, str, str]]:
    rows = Certificate.objects.order_by("cert_type", "number")
    return [(c.cert_type, c.number, c.holder_id_number, c.contents) for c in rows]


def test_demo_residents_hold_marriage_social_insurance_and_driving_papers(demo_residents):
    assert load_demo_certificates() == Certificate.objects.count()
    held = set(Certificate.objects.values_list("cert_type", flat=True))
    assert {
        CertificateType.MARRIAGE_CERTIFICATE,
        CertificateType.SOCIAL_INSURANCE,
        CertificateType.DRIVING_LICENCE,
    } <= held
    today = timezone.localdate()
    fetched = [set(applications.certificates_for(user, today)) for user in demo_residents]
    assert max(len(types) for types in fetched) >= 6  # 一证通办: much more than the ID card
    assert all({CertificateType.ID_CARD, CertificateType.HOUSEHOLD_REGISTER} <= t for t in fetched)
    retiree, *_working, young = fetched
    assert CertificateType.SOCIAL_INSURANCE not in retiree
    assert CertificateType.MARRIAGE_CERTIFICATE not in young
    assert CertificateType.SOCIAL_INSURANCE in young


def test_demo_certificates_are_valid_and_never_dated_in_the_future(demo_residents):
    load_demo_certificates()
    today = timezone.localdate()
    for certificate in Certificate.objects.all():
        assert certificate.valid_from <= today
        assert certificate.valid_until is None or certificate.valid_until > today


def test_the_demo_library_is_the_same_on_every_load(demo_residents):
    load_demo_certificates()
    first = library()
    assert load_demo_certificates() == 0  # already there: nothing added
    Certificate.objects.all().delete()
    load_demo_certificates()
    assert library() == first
