"""On the demo city: every demo resident can show an e-ID that officer1 accepts, and resident1
has consultations with officer1's room, one of them answered."""

from __future__ import annotations

import io

import pytest
from django.db import transaction

from linli.identity import actions
from linli.identity.demo import load_demo_consultations
from linli.identity.models import Consultation
from linli.people.models import User
from linli.web.demo.loader import build_demo_city

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo_city(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_demo_city(io.StringIO(), progress=False)
        transaction.set_rollback(True)


def test_every_demo_resident_has_an_e_id_that_an_officer_accepts(demo_city):
    officer = User.objects.get(username="officer1")
    residents = User.objects.filter(username__startswith="resident")
    assert residents.count() == 20
    for resident in residents:
        claims = actions.verify_eid(
            actions.issue_eid(resident, actor=resident).token, actor=officer
        )
        assert "*" in claims.name and claims.id_number.count("*") == 8


def test_the_demo_has_consultations_and_loading_again_adds_none(demo_city):
    officer = User.objects.get(username="officer1")
    mine = Consultation.objects.visible_to(officer)
    assert mine.count() == 2
    assert mine.filter(status=Consultation.Status.ANSWERED, first_reply_at__isnull=False).exists()
    assert load_demo_consultations() == 0
