"""The pure token: issue and verify with keys and a clock only, no database."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ImproperlyConfigured

from linli.identity import eid
from linli.identity.eid import EidError, Reason, issue_token, verify_token

NOW = datetime(2030, 1, 7, 2, 0, tzinfo=UTC)
KEY = Ed25519PrivateKey.generate()


def token(now=NOW, key=KEY, **extra):
    text, _claims = issue_token(
        name="张*三",
        id_number="330402********1230",
        photo=extra.pop("photo", None),
        private_key=key,
        now=now,
        **extra,
    )
    return text


def reason(text, public_key=None, now=NOW):
    with pytest.raises(EidError) as info:
        verify_token(text, public_key or KEY.public_key(), now)
    return info.value.reason


def resign(payload: dict, key=KEY) -> str:
    body = eid._b64encode(json.dumps(payload, separators=(",", ":")).encode())
    signature = key.sign(f"{eid.PREFIX}{body}".encode())
    return f"{eid.PREFIX}{body}.{eid._b64encode(signature)}"


def payload_of(text: str) -> dict:
    body = text.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def test_a_fresh_code_verifies_offline_with_the_public_key_alone():
    public = eid.load_public_key(eid.public_key_bytes(KEY))
    claims = verify_token(token(photo="ph_1"), public, NOW + timedelta(seconds=59))
    assert (claims.name, claims.id_number, claims.photo) == ("张*三", "330402********1230", "ph_1")
    assert claims.expires_at - claims.issued_at == timedelta(seconds=60)
    assert len(claims.jti) >= 16


def test_a_code_is_compact_enough_for_a_qr_code_and_carries_no_full_data():
    text = token()
    assert text.startswith("LNLEID1.") and text.count(".") == 2
    assert len(text) < 400
    assert set(payload_of(text)) == {"jti", "n", "id", "p", "iat", "exp"}


def test_two_codes_have_different_ids():
    assert payload_of(token())["jti"] != payload_of(token())["jti"]


def test_a_code_signed_by_another_key_is_forged():
    assert reason(token(key=Ed25519PrivateKey.generate())) == Reason.FORGED


def test_checking_with_the_wrong_public_key_is_forged():
    assert reason(token(), public_key=Ed25519PrivateKey.generate().public_key()) == Reason.FORGED


def test_a_tampered_payload_is_forged():
    text = token()
    prefix, _body, signature = text.split(".")
    payload = payload_of(text)
    payload["n"] = "李*四"
    forged_body = eid._b64encode(json.dumps(payload, separators=(",", ":")).encode())
    assert reason(f"{prefix}.{forged_body}.{signature}") == Reason.FORGED


def test_a_tampered_signature_is_forged():
    text = token()
    flipped = text[:-2] + ("A" if text[-2] != "A" else "B") + text[-1]
    assert reason(flipped) == Reason.FORGED


def test_a_code_expires_after_sixty_seconds():
    assert reason(token(), now=NOW + timedelta(seconds=60)) == Reason.EXPIRED
    assert reason(token(), now=NOW + timedelta(days=3)) == Reason.EXPIRED


def test_a_signed_code_with_a_longer_life_or_from_the_future_is_refused():
    payload = payload_of(token())
    assert reason(resign({**payload, "exp": payload["iat"] + 3600})) == Reason.FORGED
    assert reason(token(now=NOW + timedelta(minutes=5))) == Reason.FORGED
    # a few seconds of clock difference between phones is fine
    verify_token(token(now=NOW + timedelta(seconds=3)), KEY.public_key(), NOW)


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        " ",
        "LNLEID1.",
        "LNLEID1..",
        "LNLEID1.abc",
        "LNLEID1.abc.def.ghi",
        "LNLEID2.e30.AAAA",
        "lnleid1.e30.AAAA",
        "LNLEID1.!!!.###",
        "LNLEID1.e30=.AAAA",
        "LNLEID1.\u4e2d\u6587.AAAA",
        "LNLEID1.\ud800.AAAA",
        "LNLEID1.\x00.\x00",
        "A" * 5000,
        "LNLEID1." + "A" * 2000 + ".AAAA",
        "https://example.com/?q=LNLEID1.e30.AAAA",
        "null",
        "{}",
    ],
)
def test_garbage_is_malformed(garbage):
    assert reason(garbage) == Reason.MALFORMED


@pytest.mark.parametrize(
    "change",
    [
        {"jti": 5},
        {"jti": ""},
        {"n": None},
        {"id": ["x"]},
        {"p": 7},
        {"iat": "yesterday"},
        {"exp": True},
        {"exp": 10**30},
        {"extra": 1},
    ],
)
def test_a_validly_signed_payload_of_the_wrong_shape_is_malformed(change):
    payload = {**payload_of(token()), **change}
    assert reason(resign(payload)) == Reason.MALFORMED


def test_a_signed_body_that_is_not_an_object_is_malformed():
    body = eid._b64encode(b"[1,2]")
    signature = KEY.sign(f"{eid.PREFIX}{body}".encode())
    assert reason(f"{eid.PREFIX}{body}.{eid._b64encode(signature)}") == Reason.MALFORMED


def test_a_non_text_token_is_malformed():
    assert reason(None) == Reason.MALFORMED


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张小三", "张*三"),
        ("张三", "张*"),
        ("欧阳娜娜", "欧**娜"),
        ("张", "张"),
        ("Anna Lee", "A*** L**"),
    ],
)
def test_names_keep_their_first_and_last_character(name, masked):
    assert eid.mask_name(name) == masked


def test_the_key_setting_must_be_32_bytes_of_base64():
    seed = bytes(range(32))
    for text in (
        base64.b64encode(seed).decode(),
        base64.urlsafe_b64encode(seed).decode().rstrip("="),
    ):
        assert eid.public_key_bytes(eid.load_private_key(text)) == eid.public_key_bytes(
            Ed25519PrivateKey.from_private_bytes(seed)
        )
    for bad in ("", "short", base64.b64encode(b"x" * 31).decode(), "not base64 at all!!"):
        with pytest.raises(ImproperlyConfigured, match="LINLI_EID_KEY"):
            eid.load_private_key(bad)
