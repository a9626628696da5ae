"""Typed readers for LINLI_* environment variables.

Settings are read only through these helpers so that a bad value fails at start-up with a
message that names the variable, instead of surfacing later as a confusing error.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}"
    )


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}") from None


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number; got {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def secret(name: str, var_dir: Path, *, may_generate: bool, nbytes: int = 32) -> str:
    """A secret from the environment, else from var/<name>, else generated there (demo only).

    In production (no demo, no debug) a missing secret stops start-up and names the variable.
    """
    raw = os.environ.get(name)
    if raw:
        return raw
    path = var_dir / name.lower()
    if path.exists():
        return path.read_text().strip()
    if not may_generate:
        raise ImproperlyConfigured(
            f"{name} is not set. Set it in the environment (for example "
            f"`{name}=$(python -c 'import secrets; print(secrets.token_urlsafe(32))')`), "
            f"or run `linli demo` once to generate development keys into {var_dir}/."
        )
    var_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(nbytes)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return value
