"""The e-ID through the API: residents issue, officers verify once, every verification audited."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.utils import timezone

from linli.core.audit import AuditKind
from linli.core.models import AuditEvent
from linli.identity import actions, eid
from linli.identity.models import UsedEidCode
from linli.identity.tests.conftest import client_for, person
from linli.people.actions import create_api_token
from linli.people.models import Role

ISSUE = "/api/v1/identity/eid"
VERIFY = "/api/v1/identity/eid/verify"
OTHER_ID = "11010519491231002X"  # GB 11643-valid


def post(client, url, body=None, **extra):
    data = body if isinstance(body, str) else json.dumps(body or {})
    return client.post(url, data, content_type="application/json", **extra)


def issue(resident):
    response = post(client_for(resident), ISSUE)
    assert response.status_code == 201, response.content
    return response.json()


def test_a_real_name_resident_gets_a_signed_code_with_a_qr_code(resident):
    body = issue(resident)
    assert body["token"].startswith("LNLEID1.")
    assert body["qr_svg"].startswith("<svg")
    claims = eid.verify_token(body["token"], eid.signing_key().public_key(), timezone.now())
    assert (claims.name, claims.id_number) == ("张*三", "330402********1230")
    assert "张小三" not in json.dumps(body, ensure_ascii=False)
    event = AuditEvent.objects.get(kind=AuditKind.EID_ISSUED)
    assert event.actor == resident and event.after == {"jti": claims.jti}


def test_the_code_carries_a_signed_reference_to_the_residents_id_photo(resident, units):
    claims = eid.verify_token(
        issue(resident)["token"], eid.signing_key().public_key(), timezone.now()
    )
    assert claims.photo == actions.photo_reference(resident)
    assert re.fullmatch(r"[0-9A-F]{4}(-[0-9A-F]{4}){3}", claims.photo)
    assert actions.photo_reference(resident) == claims.photo  # the same on every code
    assert claims.photo.replace("-", "").lower() not in resident.id_number_index
    other = person("other", units["committee"], Role.RESIDENT, full_name="李四", id_number=OTHER_ID)
    assert actions.photo_reference(other) != claims.photo


def test_a_resident_may_use_a_personal_token(resident):
    token = create_api_token(resident, actor=resident, name="phone").token
    response = post(client_for(None), ISSUE, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 201


def test_a_resident_without_identity_on_record_is_refused_with_a_reason(nameless):
    response = post(client_for(nameless), ISSUE, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert "real-name registration" in response.json()["message"]


def test_nobody_anonymous_gets_a_code(db):
    assert post(client_for(None), ISSUE).status_code == 401


def test_the_public_key_is_published_and_verifies_codes(resident):
    response = client_for(None).get("/api/v1/identity/eid/public-key")
    assert response.status_code == 200
    body = response.json()
    assert body["algorithm"] == "Ed25519" and body["prefix"] == "LNLEID1."
    assert "BEGIN PUBLIC KEY" in body["pem"]
    public = eid.load_public_key(eid._b64decode(body["public_key"]))
    eid.verify_token(issue(resident)["token"], public, timezone.now())


def test_an_officer_verifies_a_code_once_and_sees_masked_identity(resident, officer):
    token = issue(resident)["token"]
    response = post(client_for(officer), VERIFY, {"token": token})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["valid"] is True
    masked = ("张*三", "330402********1230", actions.photo_reference(resident))
    assert (body["name"], body["id_number"], body["photo"]) == masked

    again = post(client_for(officer), VERIFY, {"token": token})
    assert again.status_code == 400
    assert again.json()["valid"] is False and again.json()["reason"] == "replayed"
    assert again.json()["errors"][0]["field"] == "token"
    assert UsedEidCode.objects.count() == 1
    kinds = list(
        AuditEvent.objects.filter(actor=officer).order_by("id").values_list("kind", flat=True)
    )
    assert kinds == [AuditKind.EID_VERIFIED, AuditKind.EID_REFUSED]


def test_street_staff_may_verify_too(resident, street_staff):
    response = post(client_for(street_staff), VERIFY, {"token": issue(resident)["token"]})
    assert response.status_code == 200


def test_an_expired_code_is_refused_as_expired(resident, officer):
    old = actions.issue_eid(resident, actor=resident, now=timezone.now() - timedelta(seconds=61))
    response = post(client_for(officer), VERIFY, {"token": old.token})
    assert response.status_code == 400
    assert response.json()["reason"] == "expired"
    assert response.json()["message"]  # translated (Chinese by default)
    assert not UsedEidCode.objects.exists()


def test_a_forged_code_is_refused_and_the_refusal_audited(resident, officer):
    forged, _claims = eid.issue_token(
        name="张*三",
        id_number="330402********1230",
        photo=None,
        private_key=Ed25519PrivateKey.generate(),
        now=timezone.now(),
    )
    response = post(client_for(officer), VERIFY, {"token": forged})
    assert response.status_code == 400 and response.json()["reason"] == "forged"
    event = AuditEvent.objects.get(kind=AuditKind.EID_REFUSED)
    assert event.actor == officer and event.after["reason"] == "forged"


@pytest.mark.parametrize(
    "token", ["", "garbage", "LNLEID1.x.y", "LNLEID1.\u0000.\u4e2d", "LNLEID1." + "A" * 3000]
)
def test_a_malformed_code_is_refused_as_malformed(officer, token):
    response = post(client_for(officer), VERIFY, {"token": token})
    assert response.status_code == 400
    assert response.json() | {"message": ""} == {
        "valid": False,
        "reason": "malformed",
        "message": "",
        "errors": [{"field": "token", "message": response.json()["message"]}],
    }
    assert AuditEvent.objects.filter(kind=AuditKind.EID_REFUSED, actor=officer).count() == 1


@pytest.mark.parametrize(
    "body",
    [
        "[]",
        "null",
        '{"token": 5}',
        '{"token": null}',
        "{}",
        '{"token": ["a"]}',
        '{"token": "LNLEID1.\\ud800.x"}',
        json.dumps({"token": "A" * 5000}),
    ],
)
def test_garbage_bodies_get_a_field_error_and_store_nothing(officer, body):
    response = post(client_for(officer), VERIFY, body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"]
    assert not UsedEidCode.objects.exists()


@pytest.mark.parametrize("body", ["", "not json", '"text"'])
def test_a_body_that_is_not_json_is_400(officer, body):
    response = post(client_for(officer), VERIFY, body)
    assert response.status_code == 400 and response.json()["message"]
    assert not UsedEidCode.objects.exists()


def test_residents_may_not_verify(resident, nameless):
    token = issue(resident)["token"]
    response = post(client_for(nameless), VERIFY, {"token": token})
    assert response.status_code == 403
    assert post(client_for(resident), VERIFY, {"token": token}).status_code == 403
    assert post(client_for(None), VERIFY, {"token": token}).status_code == 401
    assert not UsedEidCode.objects.exists()


def test_without_a_key_the_e_id_answers_503(resident, officer, settings):
    settings.EID_KEY = ""
    assert post(client_for(resident), ISSUE).status_code == 503
    assert client_for(None).get("/api/v1/identity/eid/public-key").status_code == 503


def test_used_code_ids_are_forgotten_after_the_code_expired(resident, officer):
    actions.verify_eid(issue(resident)["token"], actor=officer)
    assert actions.forget_used_codes(timezone.now()) == 0
    assert actions.forget_used_codes(timezone.now() + timedelta(hours=2)) == 1
