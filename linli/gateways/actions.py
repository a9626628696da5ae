"""Open311 client keys: created once, shown once, stored as a digest."""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path
from typing import Any

from django.db import transaction

from linli.core.audit import AuditKind, record
from linli.gateways.models import OpenClient

KEY_PREFIX = "o311_"


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def create_client(
    name: str, *, actor: Any = None, key: str | None = None
) -> tuple[OpenClient, str]:
    """A new client and its key (``key`` only to re-create a known demo key)."""
    key = key or KEY_PREFIX + secrets.token_urlsafe(24)
    client = OpenClient.objects.create(
        name=name.strip()[:100], key_prefix=key[:12], key_digest=key_digest(key)
    )
    record(AuditKind.TOKEN_CREATED, actor=actor, obj=client, note="open311 key")
    return client, key


@transaction.atomic
def revoke_client(client: OpenClient, *, actor: Any = None) -> None:
    client.is_active = False
    client.save(update_fields=["is_active"])
    record(AuditKind.TOKEN_REVOKED, actor=actor, obj=client, note="open311 key")


def client_for_key(key: str) -> OpenClient | None:
    if not key or len(key) > 200:
        return None
    return OpenClient.objects.filter(key_digest=key_digest(key), is_active=True).first()


def demo_key(var_dir: Path) -> str:
    """The demo's Open311 key: kept in ``var/`` so that every ``linli demo`` prints the same."""
    path = var_dir / "open311-demo-key"
    key = path.read_text().strip() if path.exists() else ""
    if not key:
        key = KEY_PREFIX + secrets.token_urlsafe(24)
        path.write_text(key + "\n")
        path.chmod(0o600)
    if not OpenClient.objects.filter(key_digest=key_digest(key)).exists():
        OpenClient.objects.filter(name="demo").delete()
        create_client("demo", key=key)
    return key
