"""The pages: my e-ID, the officer's verification page and the consultation forms, with
garbage in every form."""

from __future__ import annotations

import json
import re

import pytest

from linli.identity import eid
from linli.identity.models import Consultation, ConsultationMessage, UsedEidCode
from linli.identity.tests.conftest import client_for


def code_from(html: str) -> str:
    return re.search(r'<code id="eid-token"[^>]*>([^<]+)</code>', html).group(1)


def test_my_e_id_page_renews_its_code_by_itself(resident):
    page = client_for(resident).get("/identity/eid")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'hx-post="/identity/eid/code"' in html and "every 50s" in html
    assert "vendor/htmx/htmx.min.js" in html and "//cdn" not in html
    fragment = client_for(resident).post("/identity/eid/code").content.decode()
    assert "<svg" in fragment and "张*三" in fragment and "330402********1230" in fragment
    assert "张小三" not in fragment and "330402199001011230" not in fragment
    assert code_from(fragment).startswith("LNLEID1.")


def test_my_e_id_without_identity_says_why(nameless):
    page = client_for(nameless).get("/identity/eid")
    assert page.status_code == 403 and b"eid-no-identity" in page.content
    assert client_for(nameless).post("/identity/eid/code").status_code == 403


def test_the_e_id_pages_need_a_sign_in(db):
    assert client_for(None).get("/identity/eid").status_code == 302
    assert client_for(None).post("/identity/eid/code").status_code == 302
    assert client_for(None).get("/identity/verify").status_code == 302


def test_an_officer_verifies_on_the_page_once(resident, officer):
    token = code_from(client_for(resident).post("/identity/eid/code").content.decode())
    client = client_for(officer)
    assert client.get("/identity/verify").status_code == 200
    first = client.post("/identity/verify", {"token": token})
    assert first.status_code == 200 and 'id="result-name">张*三' in first.content.decode()
    second = client.post("/identity/verify", {"token": token})
    assert second.status_code == 400 and b'data-reason="replayed"' in second.content


def test_the_verify_page_brings_the_public_key_to_check_codes_offline(officer):
    html = client_for(officer).get("/identity/verify").content.decode()
    found = re.search(r'<script id="eid-verifier" type="application/json">(.+?)</script>', html)
    verifier = json.loads(found.group(1))
    assert verifier["public_key"] == eid.public_key_b64(eid.signing_key())
    assert verifier["verify_url"] == "/api/v1/identity/eid/verify"
    assert verifier["lifetime_seconds"] == 60 and verifier["prefix"] == "LNLEID1."
    assert set(verifier["reasons"]) == {"malformed", "forged", "expired", "replayed"}
    assert "vendor/noble-ed25519/index.js" in html and "identity/verify.js" in html
    assert "//cdn" not in html


def test_without_an_e_id_key_the_verify_page_only_checks_on_the_server(officer, settings):
    settings.EID_KEY = ""
    html = client_for(officer).get("/identity/verify").content.decode()
    assert "eid-verifier" not in html and "identity/verify.js" not in html
    assert 'id="verify-form"' in html


@pytest.mark.parametrize("token", ["", "garbage", "LNLEID1.a.b", "x" * 5000, "\x00"])
def test_garbage_on_the_verify_page_is_400(officer, token):
    response = client_for(officer).post("/identity/verify", {"token": token})
    assert response.status_code == 400
    assert not UsedEidCode.objects.exists()


def test_residents_cannot_use_the_verify_page(resident):
    assert client_for(resident).get("/identity/verify").status_code == 403
    assert client_for(resident).post("/identity/verify", {"token": "x"}).status_code == 403


def test_a_resident_writes_and_the_officer_replies_on_the_pages(resident, officer, units):
    room = units["room"]
    form = client_for(resident).get(f"/identity/consultations/new/?unit={room.pk}")
    assert form.status_code == 200 and "王**" in form.content.decode()
    sent = client_for(resident).post(
        "/identity/consultations/new/",
        {"unit": room.pk, "officer": officer.pk, "subject": "养犬登记", "text": "在哪里办？"},
    )
    row = Consultation.objects.get()
    assert sent.status_code == 302 and sent["Location"] == f"/identity/consultations/{row.pk}/"
    inbox = client_for(officer).get("/identity/consultations/").content.decode()
    assert "养犬登记" in inbox and "张**" in inbox and "张小三" not in inbox
    reply = client_for(officer).post(
        f"/identity/consultations/{row.pk}/", {"text": "到警务室窗口办理。"}
    )
    assert reply.status_code == 302
    page = client_for(resident).get(f"/identity/consultations/{row.pk}/").content.decode()
    assert "到警务室窗口办理。" in page and 'id="response-time"' in page
    closed = client_for(resident).post(f"/identity/consultations/{row.pk}/close/")
    assert closed.status_code == 302
    assert Consultation.objects.get().status == "closed"


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"unit": "abc", "subject": "s", "text": "t"},
        {"unit": "99999999999999999999", "subject": "s", "text": "t"},
        {"unit": "ROOM", "subject": "", "text": "t"},
        {"unit": "ROOM", "subject": "s" * 101, "text": "t"},
        {"unit": "ROOM", "subject": "s", "text": ""},
        {"unit": "ROOM", "subject": "s", "text": "t", "officer": "OTHER"},
        {"unit": "ROOM", "subject": "s", "text": "t", "officer": "zzz"},
        {"unit": "ROOM", "subject": "\x00", "text": "\x00"},
    ],
)
def test_garbage_in_the_consultation_form_is_400_and_stores_nothing(
    resident, other_officer, units, data
):
    data = {
        k: {"ROOM": units["room"].pk, "OTHER": other_officer.pk}.get(v, v) for k, v in data.items()
    }
    response = client_for(resident).post("/identity/consultations/new/", data)
    assert response.status_code == 400
    assert b"errorlist" in response.content
    assert not Consultation.objects.exists()


def test_garbage_replies_and_others_pages(resident, nameless, officer, units):
    client_for(resident).post(
        "/identity/consultations/new/", {"unit": units["room"].pk, "subject": "s", "text": "t"}
    )
    row = Consultation.objects.get()
    for text in ("", " ", "x" * 2001):
        response = client_for(officer).post(f"/identity/consultations/{row.pk}/", {"text": text})
        assert response.status_code == 400
    assert ConsultationMessage.objects.count() == 1
    assert client_for(nameless).get(f"/identity/consultations/{row.pk}/").status_code == 404
    assert client_for(nameless).post(f"/identity/consultations/{row.pk}/close/").status_code == 404
    assert client_for(resident).get("/identity/consultations/?status=zzz").status_code == 200
