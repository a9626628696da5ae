"""The canonical string and RSA2 signatures: what is signed, and everything that must fail."""

from __future__ import annotations

import pytest

from linli.payments import signing


@pytest.fixture(scope="module")
def key():
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def other_key():
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


PARAMS = {"out_trade_no": "P1", "total_fen": "2000", "subject": "居住证 工本费&快递", "app_id": "x"}


def test_the_canonical_string_sorts_keys_and_percent_encodes_values():
    assert signing.canonical_string({"b": "2", "a": "1 &=/"}) == "a=1%20%26%3D%2F&b=2"


def test_the_canonical_string_leaves_out_sign_and_empty_values():
    assert signing.canonical_string({"a": "1", "sign": "zzz", "empty": ""}) == "a=1"


def test_chinese_is_signed_as_utf8():
    assert signing.canonical_string({"s": "邻里"}) == "s=%E9%82%BB%E9%87%8C"


def test_a_value_holding_an_ampersand_cannot_pose_as_two_parameters():
    # Alipay's raw form would give "a=1&b=2" for both.
    one = signing.canonical_string({"a": "1&b=2"})
    two = signing.canonical_string({"a": "1", "b": "2"})
    assert one != two


def test_a_parameter_name_outside_the_protocol_is_malformed():
    with pytest.raises(signing.MalformedMessage):
        signing.canonical_string({"a&b": "1"})


def test_signed_parameters_verify(key):
    signing.verify(signing.signed(PARAMS, key), key.public_key())


def test_a_tampered_field_fails(key):
    params = signing.signed(PARAMS, key)
    params["total_fen"] = "1"
    with pytest.raises(signing.SignatureError):
        signing.verify(params, key.public_key())


def test_an_added_field_fails(key):
    params = {**signing.signed(PARAMS, key), "refund": "yes"}
    with pytest.raises(signing.SignatureError):
        signing.verify(params, key.public_key())


def test_another_key_fails(key, other_key):
    with pytest.raises(signing.SignatureError):
        signing.verify(signing.signed(PARAMS, other_key), key.public_key())


def test_a_missing_signature_fails(key):
    params = signing.signed(PARAMS, key)
    del params["sign"]
    with pytest.raises(signing.SignatureError, match="missing"):
        signing.verify(params, key.public_key())


@pytest.mark.parametrize("sign_type", ["", "RSA", "HMAC-SHA256", "rsa2"])
def test_only_rsa2_is_believed(key, sign_type):
    params = {**signing.signed(PARAMS, key), "sign_type": sign_type}
    with pytest.raises(signing.SignatureError):
        signing.verify(params, key.public_key())


@pytest.mark.parametrize("garbage", ["!!!", "AAAA", "é", "A" * 5000, "=="])
def test_a_garbled_signature_fails(key, garbage):
    params = {**signing.signed(PARAMS, key), "sign": garbage}
    with pytest.raises(signing.SignatureError):
        signing.verify(params, key.public_key())


def test_a_form_body_parses_to_parameters():
    assert signing.parse_form(b"a=1&b=%E9%82%BB&c=") == {"a": "1", "b": "邻", "c": ""}


@pytest.mark.parametrize(
    "body",
    [b"\xff\xfe", b"a=1&a=2", b"just text", b"a=%ff", b"a=1\x00", b"a=" + b"x" * 70000],
)
def test_garbage_bodies_are_malformed(body):
    with pytest.raises(signing.MalformedMessage):
        signing.parse_form(body)


def test_a_key_is_made_once_and_its_public_half_written_beside_it(tmp_path):
    path = tmp_path / "k" / "merchant_key.pem"
    first = signing.load_private_key(path, create=True)
    again = signing.load_private_key(path, create=True)
    assert signing.public_pem(first) == signing.public_pem(again)
    assert signing.load_public_key(signing.public_path(path)).public_numbers() == (
        first.public_key().public_numbers()
    )
    assert path.stat().st_mode & 0o077 == 0


def test_without_create_a_missing_key_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        signing.load_private_key(tmp_path / "none.pem")
