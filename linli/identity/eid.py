"""The e-ID code ("prove I am me", 证明我是我): a short-lived, Ed25519-signed token.

    LNLEID1.<base64url(payload JSON)>.<base64url(signature over "LNLEID1." + payload part)>

The payload carries only masked data, so a verifier's phone learns no more than an officer would
read off an ID card held at arm's length. Everything here is pure: ``verify_token`` needs the
public key and a clock, never the database, so an officer's phone can check a code offline. The
single-use (replay) check is the separate database step in ``actions.verify_eid``.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "LNLEID1."
LIFETIME = timedelta(seconds=60)
# Phones and the server disagree by a few seconds; a code "issued" slightly in the future is fine.
CLOCK_SKEW = timedelta(seconds=5)
MAX_TOKEN_CHARS = 1000
_CLAIMS = {"jti", "n", "id", "p", "iat", "exp"}


class Reason(StrEnum):
    MALFORMED = "malformed"
    FORGED = "forged"
    EXPIRED = "expired"
    REPLAYED = "replayed"


class EidError(Exception):
    def __init__(self, reason: Reason) -> None:
        super().__init__(str(reason))
        self.reason = reason


@dataclass(frozen=True)
class Claims:
    jti: str
    name: str  # masked
    id_number: str  # masked
    photo: str | None
    issued_at: datetime
    expires_at: datetime


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64decode(text: str) -> bytes:
    if not text or not text.isascii() or "=" in text:
        raise EidError(Reason.MALFORMED)
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise EidError(Reason.MALFORMED) from None


def mask_name(full_name: str) -> str:
    """张小三 -> 张*三, 张三 -> 张*, 欧阳娜娜 -> 欧**娜; Latin names as core.crypto masks them.

    The e-ID keeps the last character too (core.crypto keeps only the surname): the officer
    compares it with the person standing in front of them, and two characters of a name still do
    not identify anyone."""
    name = full_name.strip()
    if name.isascii():
        from linli.core.crypto import mask_name as mask_latin

        return mask_latin(name)
    if len(name) <= 2:
        return name[:1] + "*" * (len(name) - 1)
    return name[:1] + "*" * (len(name) - 2) + name[-1:]


def issue_token(
    *,
    name: str,
    id_number: str,
    photo: str | None,
    private_key: Ed25519PrivateKey,
    now: datetime,
    jti: str | None = None,
) -> tuple[str, Claims]:
    """A signed code for already-masked ``name`` and ``id_number``, valid for LIFETIME."""
    expires = now + LIFETIME
    claims = Claims(
        jti=jti or secrets.token_hex(12),
        name=name,
        id_number=id_number,
        photo=photo,
        issued_at=now.replace(microsecond=0),
        expires_at=expires.replace(microsecond=0),
    )
    payload = {
        "jti": claims.jti,
        "n": name,
        "id": id_number,
        "p": photo,
        "iat": int(claims.issued_at.timestamp()),
        "exp": int(claims.expires_at.timestamp()),
    }
    body = _b64encode(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode())
    signed = f"{PREFIX}{body}"
    signature = private_key.sign(signed.encode())
    return f"{signed}.{_b64encode(signature)}", claims


def _parse(token: str) -> tuple[str, bytes, dict[str, object]]:
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS:
        raise EidError(Reason.MALFORMED)
    token = token.strip()
    if not token.startswith(PREFIX):
        raise EidError(Reason.MALFORMED)
    body, dot, sig = token[len(PREFIX) :].partition(".")
    if not dot or "." in sig:
        raise EidError(Reason.MALFORMED)
    signature = _b64decode(sig)
    try:
        payload = json.loads(_b64decode(body).decode())
    except (UnicodeDecodeError, ValueError):
        raise EidError(Reason.MALFORMED) from None
    if not isinstance(payload, dict) or set(payload) != _CLAIMS:
        raise EidError(Reason.MALFORMED)
    return f"{PREFIX}{body}", signature, payload


def _claims(payload: dict[str, object]) -> Claims:
    jti, name, id_number, photo = payload["jti"], payload["n"], payload["id"], payload["p"]
    iat, exp = payload["iat"], payload["exp"]
    texts_ok = all(isinstance(v, str) and 0 < len(v) <= 64 for v in (jti, name, id_number))
    photo_ok = photo is None or (isinstance(photo, str) and len(photo) <= 64)
    times_ok = all(isinstance(v, int) and not isinstance(v, bool) for v in (iat, exp))
    if not (texts_ok and photo_ok and times_ok):
        raise EidError(Reason.MALFORMED)
    assert isinstance(iat, int) and isinstance(exp, int)
    try:
        issued, expires = (datetime.fromtimestamp(t, tz=UTC) for t in (iat, exp))
    except (OverflowError, OSError, ValueError):
        raise EidError(Reason.MALFORMED) from None
    return Claims(str(jti), str(name), str(id_number), photo, issued, expires)  # type: ignore[arg-type]


def verify_token(token: str, public_key: Ed25519PublicKey, now: datetime) -> Claims:
    """The claims of a genuine, unexpired code; EidError(reason) otherwise. No database.

    The signature is checked before anything in the payload is believed; a signed payload whose
    lifetime is longer than LIFETIME is refused as forged (only a leaked key could make one)."""
    signed, signature, payload = _parse(token)
    try:
        public_key.verify(signature, signed.encode())
    except InvalidSignature:
        raise EidError(Reason.FORGED) from None
    claims = _claims(payload)
    if claims.expires_at - claims.issued_at > LIFETIME:
        raise EidError(Reason.FORGED)
    if claims.issued_at > now + CLOCK_SKEW:
        raise EidError(Reason.FORGED)
    if now >= claims.expires_at:
        raise EidError(Reason.EXPIRED)
    return claims


# --- keys ---------------------------------------------------------------------------------------


def load_private_key(raw: str) -> Ed25519PrivateKey:
    """LINLI_EID_KEY: base64 (standard or URL-safe, padding optional) of 32 raw bytes."""
    text = (raw or "").strip()
    try:
        seed = base64.urlsafe_b64decode(
            text.replace("+", "-").replace("/", "_").rstrip("=")
            + "=" * (-len(text.rstrip("=")) % 4)
        )
    except (binascii.Error, ValueError):
        seed = b""
    if len(seed) != 32:
        raise ImproperlyConfigured(
            "LINLI_EID_KEY must be the base64 of 32 random bytes (an Ed25519 private key), e.g. "
            "`LINLI_EID_KEY=$(python -c 'import secrets; print(secrets.token_urlsafe(32))')`."
        )
    return Ed25519PrivateKey.from_private_bytes(seed)


def signing_key() -> Ed25519PrivateKey:
    return load_private_key(settings.EID_KEY)


def public_key_bytes(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )


def public_key_pem(private_key: Ed25519PrivateKey) -> str:
    return (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def load_public_key(raw: bytes) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(raw)


def public_key_b64(private_key: Ed25519PrivateKey) -> str:
    return _b64encode(public_key_bytes(private_key))
