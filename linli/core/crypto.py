"""Personal data at rest: AES-GCM encryption, HMAC blind indexes and masking.

Ciphertexts are stored as ``<key id>$<base64(nonce || ciphertext || tag)>`` so that keys can be
rotated: the first key in LINLI_DATA_KEY encrypts, every listed key decrypts. The blind index
key is derived from the *last* listed key (the oldest), so exact-match lookups keep working
across a rotation; `linli manage reencrypt` rewrites everything under the newest key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_NONCE_BYTES = 12


class DecryptionError(Exception):
    """A stored value could not be decrypted: wrong key, unknown key id or tampering."""


@dataclass(frozen=True)
class Keyring:
    primary_id: str
    aead: dict[str, AESGCM]
    index_key: bytes


def _derive(secret: str, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret.encode())


def parse_keyring(raw: str) -> Keyring:
    entries: list[tuple[str, str]] = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        key_id, sep, value = part.partition(":")
        if not sep:
            key_id, value = "k1", part
        if not key_id.isalnum() or len(value) < 16:
            raise ImproperlyConfigured(
                "LINLI_DATA_KEY must be 'secret' or 'id:secret,id:secret' with alphanumeric "
                "ids and secrets of at least 16 characters."
            )
        entries.append((key_id, value))
    if not entries:
        raise ImproperlyConfigured("LINLI_DATA_KEY is empty.")
    aead = {key_id: AESGCM(_derive(value, b"linli/aes-gcm/v1")) for key_id, value in entries}
    return Keyring(
        primary_id=entries[0][0],
        aead=aead,
        index_key=_derive(entries[-1][1], b"linli/blind-index/v1"),
    )


@cache
def keyring() -> Keyring:
    return parse_keyring(settings.DATA_KEY)


def encrypt(plaintext: str, *, context: str) -> str:
    """Encrypt ``plaintext``; ``context`` (e.g. "people.User.phone") is bound as associated data
    so a ciphertext copied into another column does not decrypt."""
    ring = keyring()
    nonce = os.urandom(_NONCE_BYTES)
    sealed = ring.aead[ring.primary_id].encrypt(nonce, plaintext.encode(), context.encode())
    return f"{ring.primary_id}${base64.b64encode(nonce + sealed).decode()}"


def decrypt(stored: str, *, context: str) -> str:
    ring = keyring()
    key_id, sep, payload = stored.partition("$")
    if not sep or key_id not in ring.aead:
        raise DecryptionError(f"unknown key id {key_id!r}")
    try:
        raw = base64.b64decode(payload, validate=True)
        plain = ring.aead[key_id].decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode())
    except Exception as exc:  # InvalidTag, binascii.Error, ValueError
        raise DecryptionError(str(exc) or exc.__class__.__name__) from exc
    return plain.decode()


def key_id_of(stored: str) -> str:
    return stored.partition("$")[0]


def blind_index(value: str, *, purpose: str) -> str:
    """A keyed hash for exact lookups; ``purpose`` separates e.g. phones from ID numbers."""
    normalised = value.strip().upper()
    digest = hmac.new(
        keyring().index_key, f"{purpose}\x00{normalised}".encode(), hashlib.sha256
    ).hexdigest()
    return digest[:40]


# --- masking -------------------------------------------------------------------------------


def mask_id_number(value: str) -> str:
    """330402199001011234 -> 330402********1234 (15-digit IDs keep the same ends)."""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """13812345678 and +8613812345678 -> 138****5678; landlines keep the first three and the
    last four digits."""
    digits = value.strip().removeprefix("+86")
    if len(digits) <= 7:
        return digits[:1] + "*" * max(len(digits) - 3, 0) + digits[-2:]
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_name(value: str) -> str:
    """张三丰 -> 张**; Chinese names keep the surname, Latin names the first letter of each part."""
    name = value.strip()
    if not name:
        return ""
    if name.isascii():
        return " ".join(part[:1] + "*" * (len(part) - 1) for part in name.split())
    return name[:1] + "*" * (len(name) - 1)


def mask_passport(value: str) -> str:
    if len(value) <= 4:
        return "*" * len(value)
    return value[:2] + "*" * (len(value) - 4) + value[-2:]
