"""The officer's verify page checks a code on the device: with no network it shows the masked
identity of a genuine code and refuses a tampered or expired one; when the connection returns the
server confirms the first use and records it."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.utils import timezone
from playwright.sync_api import expect

from linli.conftest import signed_in
from linli.core.audit import AuditKind
from linli.core.models import AuditEvent
from linli.identity import actions, eid
from linli.identity.models import UsedEidCode
from linli.identity.tests.conftest import ID_NUMBER, make_unit, person
from linli.people.models import Role, Unit

pytestmark = pytest.mark.browser

FIELD = "#verify-form textarea[name=token]"
SUBMIT = "#verify-form button[type=submit]"


@pytest.fixture
def people(transactional_db):
    room = make_unit("330499001001-room", Unit.Kind.POLICE_ROOM, "330499001001")
    resident = person("r1", None, Role.RESIDENT, full_name="张小三", id_number=ID_NUMBER)
    officer = person("o1", room, Role.OFFICER, full_name="王小明")
    return resident, officer


def open_verify_page(page, live_server, officer) -> None:
    signed_in(page, live_server, officer)
    page.goto(f"{live_server.url}/identity/verify")
    expect(page.locator("#verify-form")).to_have_attribute("data-offline", "ready")


def submit(page, token: str) -> None:
    page.fill(FIELD, token)
    page.locator(SUBMIT).click()


def with_name(token: str, name: str) -> str:
    """The same signature over a payload with another name: what a forger would try."""
    prefix, body, signature = token.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["n"] = name
    forged = eid._b64encode(json.dumps(payload, ensure_ascii=False).encode())
    return f"{prefix}.{forged}.{signature}"


def test_with_no_network_a_genuine_code_shows_the_masked_identity_and_is_confirmed_later(
    live_server, phone, people
):
    resident, officer = people
    open_verify_page(phone, live_server, officer)
    issued = actions.issue_eid(resident, actor=resident)

    phone.context.set_offline(True)
    submit(phone, issued.token)
    card = phone.locator("#eid-result")
    expect(card).to_have_attribute("data-state", "checked-offline")
    expect(phone.locator("#result-name")).to_have_text("张*三")
    expect(phone.locator("#result-id-number")).to_have_text("330402********1230")
    expect(phone.locator("#result-photo")).to_have_text(actions.photo_reference(resident))
    expect(phone.locator("#check-offline")).to_have_attribute("data-verdict", "ok")
    expect(phone.locator("#check-server")).to_have_attribute("data-verdict", "unreachable")
    assert not UsedEidCode.objects.exists()

    phone.context.set_offline(False)  # back in coverage: the page asks the server by itself
    expect(card).to_have_attribute("data-state", "confirmed")
    expect(phone.locator("#check-server")).to_have_attribute("data-verdict", "ok")
    expect(phone.locator("#result-name")).to_have_text("张*三")
    assert UsedEidCode.objects.filter(jti=issued.claims.jti, verifier=officer).exists()
    assert AuditEvent.objects.filter(kind=AuditKind.EID_VERIFIED, actor=officer).count() == 1


def test_without_the_server_a_tampered_expired_or_foreign_code_is_refused_on_the_device(
    live_server, phone, people
):
    resident, officer = people
    open_verify_page(phone, live_server, officer)
    asked: list[str] = []

    def no_server(route) -> None:  # the verify POST leaves the page and never arrives
        asked.append(route.request.method)
        route.abort()

    phone.route("**/api/v1/identity/eid/verify", no_server)
    genuine = actions.issue_eid(resident, actor=resident).token
    expired = actions.issue_eid(
        resident, actor=resident, now=timezone.now() - timedelta(seconds=61)
    ).token
    foreign, _claims = eid.issue_token(
        name="张*三",
        id_number="330402********1230",
        photo=None,
        private_key=Ed25519PrivateKey.generate(),
        now=timezone.now(),
    )
    card = phone.locator("#eid-result")
    for token, reason in [
        (with_name(genuine, "李*四"), "forged"),
        (expired, "expired"),
        (foreign, "forged"),
        ("LNLEID1.not-a-code", "malformed"),
    ]:
        submit(phone, token)
        expect(card).to_have_attribute("data-reason", reason)
        expect(card).to_have_attribute("data-state", "refused")
        expect(phone.locator("#check-offline")).to_have_attribute("data-verdict", "refused")
        expect(phone.locator("#check-server")).to_have_attribute("data-verdict", "unreachable")
        assert phone.locator("#result-name").count() == 0

    submit(phone, genuine)  # the untouched code still passes the device check
    expect(card).to_have_attribute("data-state", "checked-offline")
    expect(phone.locator("#result-name")).to_have_text("张*三")
    expect(phone.locator("#check-server")).to_have_attribute("data-verdict", "unreachable")
    assert asked == ["POST"] * 5 and not UsedEidCode.objects.exists()
