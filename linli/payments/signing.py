"""The signed-parameter protocol shared by Linli and the payment provider (docs/payments.md).

Parameters are a flat mapping of string keys to string values. The canonical string is every
parameter except ``sign`` whose value is not empty, sorted by key, each written as
``key=percent-encoded value`` and joined with ``&``. It is signed with RSA-SHA256 (PKCS#1 v1.5,
``sign_type=RSA2``) and the signature travels base64-encoded in ``sign``.

Unlike Alipay, which joins raw values, values are percent-encoded (RFC 3986, nothing kept but
unreserved characters): with raw values ``{"a": "1&b=2"}`` and ``{"a": "1", "b": "2"}`` have the
same canonical string, so one signature would cover both.

This module imports nothing from Django: the local provider (``linli.payments.localpay``) uses
it as a separate program.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import parse_qsl, quote

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

SIGN_TYPE = "RSA2"
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_BODY = 64 * 1024


class SignatureError(Exception):
    """The parameters are not signed by the key we trust (missing, garbled or wrong)."""


class MalformedMessage(ValueError):
    """The body cannot be read as the protocol's parameters at all."""


def canonical_string(params: Mapping[str, str]) -> str:
    parts = []
    for key in sorted(params):
        value = params[key]
        if key == "sign" or value == "":
            continue
        if not KEY_PATTERN.match(key):
            raise MalformedMessage(f"bad parameter name {key!r}")
        parts.append(f"{key}={quote(value, safe='')}")
    return "&".join(parts)


def sign(params: Mapping[str, str], private_key: rsa.RSAPrivateKey) -> str:
    message = canonical_string(params).encode()
    signature = private_key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode("ascii")


def signed(params: Mapping[str, str], private_key: rsa.RSAPrivateKey) -> dict[str, str]:
    """The parameters with ``sign_type`` and ``sign`` added."""
    out = {**params, "sign_type": SIGN_TYPE}
    out["sign"] = sign(out, private_key)
    return out


def verify(params: Mapping[str, str], public_key: rsa.RSAPublicKey) -> None:
    """Raise SignatureError unless ``params`` carry a valid RSA2 signature by ``public_key``."""
    if params.get("sign_type") != SIGN_TYPE:
        raise SignatureError("sign_type must be RSA2")
    raw = params.get("sign", "")
    if not raw:
        raise SignatureError("sign is missing")
    try:
        signature = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError("sign is not base64") from None
    try:
        message = canonical_string(params).encode()
        public_key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, MalformedMessage):
        raise SignatureError("the signature does not match") from None


def parse_form(body: bytes) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body as parameters; repeated names, other
    encodings and oversized bodies are refused."""
    if len(body) > MAX_BODY:
        raise MalformedMessage("body too large")
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise MalformedMessage("not a UTF-8 form body") from None
    params = dict(pairs)
    if len(params) != len(pairs):
        raise MalformedMessage("a parameter is repeated")
    if any("\x00" in key or "\x00" in value for key, value in pairs):
        raise MalformedMessage("NUL in a parameter")
    return params


# --- keys ------------------------------------------------------------------------------------


def load_private_key(path: Path, *, create: bool = False) -> rsa.RSAPrivateKey:
    """The PEM private key at ``path``; with ``create``, a new 2048-bit key is written there
    (mode 0600) when none exists, with its public half beside it as ``*.pub.pem``."""
    if not path.exists():
        if not create:
            raise FileNotFoundError(f"no private key at {path}")
        _write_new_key(path)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{path} is not an RSA private key")
    return key


def public_path(private_path: Path) -> Path:
    return private_path.with_name(private_path.name.removesuffix(".pem") + ".pub.pem")


def load_public_key(path: Path) -> rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(path.read_bytes())
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError(f"{path} is not an RSA public key")
    return key


def public_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _write_new_key(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # Written aside, then linked into place: a second process never reads half a key, and
    # the first one to link wins.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    try:
        os.link(tmp, path)
    except FileExistsError:
        return
    finally:
        tmp.unlink()
    public_path(path).write_bytes(public_pem(key))
