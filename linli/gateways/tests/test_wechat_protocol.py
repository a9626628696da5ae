"""WeChat's message protocol without a database: signatures, WXBizMsgCrypt and safe XML."""

from __future__ import annotations

import base64
import struct

import pytest

from linli.gateways.wechat_protocol import (
    MsgCrypt,
    ProtocolError,
    aes_key,
    build_xml,
    parse_xml,
    pkcs7_pad,
    pkcs7_unpad,
    sha1_signature,
)

# The EncodingAESKey of WeChat's own sample code, and an AppID in its shape.
SAMPLE_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APPID = "wx1234567890abcdef"
TOKEN = "linli-token"
INNER = (
    "<xml><ToUserName><![CDATA[gh_test]]></ToUserName><Content><![CDATA[路灯坏了]]></Content></xml>"
)
# Built by hand following the algorithm, and encrypted with `openssl enc -aes-256-cbc -nopad`
# (key = base64(EncodingAESKey + "="), IV = its first 16 bytes): random = b"0123456789abcdef",
# 4-byte length 98, the XML, the AppID, then 24 bytes of 0x18 to reach 160 bytes.
HAND_VECTOR = (
    "Q3stYC6hdFzMh9T8HCvyDIZNqBw/OTiAHF9MmjoVa6nVXd+5LTz9NfxNCLIK8BTGHOtWZe5LUkZ7QY+4sHg2pBQBEDKh"
    "YW4l4xqhvc0PuOALhjMY0/VS+fdlerT44064C97uTwXlzJCTp+0PueCS1NqDpEkX3u7poOvLAlsUfrFnzYIXHWxeY8hH"
    "YGLT5Q6UaHYQRr1xMZ/hgv+LavMi9A=="
)


def test_the_signature_is_the_sha1_of_the_sorted_parts():
    # sorted(["linli-token", "1700000000", "424242"]) joined, then SHA-1 (computed by hand)
    assert sha1_signature(TOKEN, "1700000000", "424242") == (
        "b5d6a9ccbe7aa82dac71a9c2471f463928eab1af"
    )
    assert sha1_signature("b", "a", "c") == sha1_signature("c", "b", "a")


def test_the_encoding_aes_key_decodes_to_32_bytes_and_bad_keys_are_refused():
    assert len(aes_key(SAMPLE_KEY)) == 32
    for bad in ("short", SAMPLE_KEY + "x", "!" * 43):
        with pytest.raises(ValueError):
            aes_key(bad)


def test_padding_is_pkcs7_to_32_bytes():
    assert pkcs7_pad(b"") == bytes([32]) * 32
    assert len(pkcs7_pad(b"x" * 31)) == 32 and pkcs7_pad(b"x" * 31)[-1] == 1
    assert len(pkcs7_pad(b"x" * 32)) == 64
    assert pkcs7_unpad(pkcs7_pad(b"hello")) == b"hello"
    with pytest.raises(ProtocolError):
        pkcs7_unpad(b"x" * 31 + bytes([33]))
    with pytest.raises(ProtocolError):
        pkcs7_unpad(b"x" * 30 + bytes([1, 2]))


def test_encryption_matches_a_vector_built_by_hand():
    crypt = MsgCrypt(TOKEN, SAMPLE_KEY, APPID)
    assert crypt.encrypt(INNER, random16=b"0123456789abcdef") == HAND_VECTOR
    assert crypt.decrypt(HAND_VECTOR) == INNER
    assert crypt.msg_signature("1700000000", "424242", HAND_VECTOR) == (
        "fe4e02f3ce18b96ba7491500899443859c022b8e"
    )


def test_the_plaintext_layout_is_random_length_xml_appid():
    crypt = MsgCrypt(TOKEN, SAMPLE_KEY, APPID)
    sealed = base64.b64decode(crypt.encrypt(INNER))
    decryptor = crypt._cipher().decryptor()
    plain = pkcs7_unpad(decryptor.update(sealed) + decryptor.finalize())
    (length,) = struct.unpack(">I", plain[16:20])
    assert plain[20 : 20 + length].decode() == INNER
    assert plain[20 + length :] == APPID.encode()
    assert len(sealed) % 32 == 0


def test_round_trip_through_the_envelope_with_its_msg_signature():
    crypt = MsgCrypt(TOKEN, SAMPLE_KEY, APPID)
    first, second = crypt.encrypt(INNER), crypt.encrypt(INNER)
    assert first != second  # 16 fresh random bytes each time
    envelope = parse_xml(crypt.seal(INNER, "1700000000", "77"))
    assert crypt.open(envelope, "1700000000", "77", envelope["MsgSignature"]) == INNER
    with pytest.raises(ProtocolError, match="signature"):
        crypt.open(envelope, "1700000000", "78", envelope["MsgSignature"])


def test_a_message_for_another_appid_or_key_does_not_open():
    sealed = MsgCrypt(TOKEN, SAMPLE_KEY, "wxsomeoneelse").encrypt(INNER)
    with pytest.raises(ProtocolError, match="AppID"):
        MsgCrypt(TOKEN, SAMPLE_KEY, APPID).decrypt(sealed)
    other_key = "Z" * 42 + "A"
    with pytest.raises(ProtocolError):
        MsgCrypt(TOKEN, other_key, APPID).decrypt(HAND_VECTOR)
    for garbage in ("", "not base64!", base64.b64encode(b"short").decode()):
        with pytest.raises(ProtocolError):
            MsgCrypt(TOKEN, SAMPLE_KEY, APPID).decrypt(garbage)


def test_xml_is_built_and_read_as_wechat_writes_it():
    text = build_xml({"Content": "a]]>b <&>", "CreateTime": 1700000000})
    assert "<CreateTime>1700000000</CreateTime>" in text
    assert parse_xml(text) == {"Content": "a]]>b <&>", "CreateTime": "1700000000"}


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not xml at all",
        b"<xml><Content>unclosed</xml>",
        b"<root><Content>x</Content></root>",
        b"<xml><a><b><c>too deep</c></b></a></xml>",
        b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">'
        b"]><xml><Content>&b;</Content></xml>",
        b'<!DOCTYPE xml [<!ENTITY ext SYSTEM "file:///etc/passwd">]><xml><C>&ext;</C></xml>',
        b"<xml><Content>&undefined;</Content></xml>",
        b"<xml><Content>" + b"x" * 70_000 + b"</Content></xml>",
    ],
    ids=["empty", "text", "unclosed", "root", "deep", "bomb", "external", "entity", "huge"],
)
def test_garbage_and_hostile_xml_is_refused(body):
    with pytest.raises(ProtocolError):
        parse_xml(body)
