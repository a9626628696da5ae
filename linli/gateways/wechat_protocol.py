"""The WeChat Official Account message protocol, shared by the endpoint and the simulator.

- Signatures (接入指南): ``sha1(''.join(sorted([token, timestamp, nonce])))``; in safe mode
  (安全模式) also ``msg_signature = sha1(''.join(sorted([token, timestamp, nonce, encrypt])))``.
- WXBizMsgCrypt: AES-256-CBC, key = base64(EncodingAESKey + "="), IV = the key's first 16 bytes,
  PKCS#7 padding to a multiple of 32 bytes (WeChat's block, not AES's 16), plaintext
  ``16 random bytes || len(xml) as 4 bytes big-endian || xml || AppID``.
- Messages are a flat ``<xml>`` of children; we parse them with expat and refuse any DTD or
  entity declaration, so entity expansion (XML bombs) and external entities never happen.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct
import xml.parsers.expat
from collections.abc import Mapping

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32
MAX_BODY = 64 * 1024  # WeChat's largest message is a few kilobytes
MAX_DEPTH = 3


class ProtocolError(Exception):
    """A message that does not follow the protocol (bad XML, bad padding, wrong AppID …)."""


def sha1_signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()  # noqa: S324 - WeChat's


def signature_matches(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), (given or "").encode())


# --- WXBizMsgCrypt ---------------------------------------------------------------------------


def aes_key(encoding_aes_key: str) -> bytes:
    """The 32-byte key from the 43-character EncodingAESKey of the WeChat console."""
    if len(encoding_aes_key) != 43:
        raise ValueError("an EncodingAESKey has 43 characters")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except binascii.Error:
        raise ValueError("an EncodingAESKey is base64 (A–Z, a–z, 0–9, + and /)") from None
    if len(key) != 32:
        raise ValueError("an EncodingAESKey decodes to 32 bytes")
    return key


def pkcs7_pad(data: bytes, block: int = BLOCK) -> bytes:
    amount = block - len(data) % block
    return data + bytes([amount]) * amount


def pkcs7_unpad(data: bytes, block: int = BLOCK) -> bytes:
    if not data:
        raise ProtocolError("empty plaintext")
    amount = data[-1]
    if not 1 <= amount <= block or data[-amount:] != bytes([amount]) * amount:
        raise ProtocolError("bad padding")
    return data[:-amount]


class MsgCrypt:
    """WeChat's WXBizMsgCrypt for one account (token, EncodingAESKey, AppID)."""

    def __init__(self, token: str, encoding_aes_key: str, app_id: str) -> None:
        self.token = token
        self.key = aes_key(encoding_aes_key)
        self.app_id = app_id

    def _cipher(self) -> Cipher[modes.CBC]:
        return Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16]))

    def encrypt(self, xml_text: str, *, random16: bytes | None = None) -> str:
        body = xml_text.encode()
        random16 = os.urandom(16) if random16 is None else random16
        plain = random16 + struct.pack(">I", len(body)) + body + self.app_id.encode()
        encryptor = self._cipher().encryptor()
        sealed = encryptor.update(pkcs7_pad(plain)) + encryptor.finalize()
        return base64.b64encode(sealed).decode()

    def decrypt(self, encrypted: str) -> str:
        try:
            sealed = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError):
            raise ProtocolError("Encrypt is not base64") from None
        if not sealed or len(sealed) % 16:
            raise ProtocolError("Encrypt is not whole AES blocks")
        decryptor = self._cipher().decryptor()
        plain = pkcs7_unpad(decryptor.update(sealed) + decryptor.finalize())
        if len(plain) < 20:
            raise ProtocolError("plaintext too short")
        (length,) = struct.unpack(">I", plain[16:20])
        body, app_id = plain[20 : 20 + length], plain[20 + length :]
        if len(body) != length:
            raise ProtocolError("length field beyond the plaintext")
        if app_id.decode(errors="replace") != self.app_id:
            raise ProtocolError("the message is for another AppID")
        try:
            return body.decode()
        except UnicodeDecodeError:
            raise ProtocolError("the message is not UTF-8") from None

    def msg_signature(self, timestamp: str, nonce: str, encrypted: str) -> str:
        return sha1_signature(self.token, timestamp, nonce, encrypted)

    def seal(self, xml_text: str, timestamp: str, nonce: str) -> str:
        """The encrypted envelope WeChat expects as a reply (or sends as a request body)."""
        encrypted = self.encrypt(xml_text)
        signature = self.msg_signature(timestamp, nonce, encrypted)
        return build_xml(
            {
                "Encrypt": encrypted,
                "MsgSignature": signature,
                "TimeStamp": timestamp,
                "Nonce": nonce,
            },
            raw={"TimeStamp"},
        )

    def open(self, envelope: Mapping[str, str], timestamp: str, nonce: str, signature: str) -> str:
        """The inner XML of an encrypted envelope whose msg_signature is ``signature``."""
        encrypted = envelope.get("Encrypt", "")
        if not encrypted:
            raise ProtocolError("no Encrypt element")
        if not signature_matches(self.msg_signature(timestamp, nonce, encrypted), signature):
            raise ProtocolError("msg_signature does not match")
        return self.decrypt(encrypted)


# --- XML -------------------------------------------------------------------------------------


def parse_xml(body: bytes | str) -> dict[str, str]:
    """The children of a ``<xml>`` message as a dict of text. Refuses DTDs, entity
    declarations, processing of external entities, deep nesting and oversized bodies."""
    raw = body.encode() if isinstance(body, str) else body
    if len(raw) > MAX_BODY:
        raise ProtocolError("message too large")
    fields: dict[str, str] = {}
    path: list[str] = []
    text: list[str] = []

    def refuse(*args: object) -> None:
        raise ProtocolError("DTDs and entities are not allowed")

    def start(name: str, attrs: object) -> None:
        path.append(name)
        if len(path) > MAX_DEPTH:
            raise ProtocolError("nesting too deep")
        if len(path) == 1 and name != "xml":
            raise ProtocolError("the root element is not <xml>")
        text.clear()

    def end(name: str) -> None:
        if len(path) == 2:
            fields.setdefault(name, "".join(text).strip())
        path.pop()
        text.clear()

    parser = xml.parsers.expat.ParserCreate(encoding="utf-8")
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse  # type: ignore[assignment]
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text.append
    try:
        parser.Parse(raw, True)
    except xml.parsers.expat.ExpatError as exc:
        raise ProtocolError(f"not XML: {exc}") from None
    return fields


def _cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def build_xml(
    fields: Mapping[str, str | int], *, raw: set[str] | frozenset[str] = frozenset()
) -> str:
    """``<xml>`` with each field as WeChat writes it: text in CDATA, numbers bare."""
    parts = ["<xml>"]
    for name, value in fields.items():
        inner = str(value) if isinstance(value, int) or name in raw else _cdata(str(value))
        parts.append(f"<{name}>{inner}</{name}>")
    parts.append("</xml>")
    return "".join(parts)
