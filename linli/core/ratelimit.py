"""Fixed-window rate limits, counted in the database so every web process on every host shares
the counts.

One statement per attempt: an upsert that returns the new count (PostgreSQL and SQLite ≥ 3.35
both speak ``INSERT … ON CONFLICT … DO UPDATE … RETURNING``). Call it outside the request's
transaction (Linli does not use ATOMIC_REQUESTS) so that the attempt counts even when what
follows fails. Ended windows are deleted by the worker's ``core.rate_windows`` sweep.
"""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime

from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from linli.core import rows
from linli.core.models import RateCounter

assert RateCounter._meta.db_table == "core_ratecounter"  # named in _UPSERT

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_UPSERT = (
    'INSERT INTO "core_ratecounter" ("key", "count", "expires_at") VALUES (%s, 1, %s) '
    'ON CONFLICT ("key") DO UPDATE SET "count" = "core_ratecounter"."count" + 1 RETURNING "count"'
)


def parse_rate(rate: str) -> tuple[int, int]:
    """'10/15m' -> (10, 900); '5/h' -> (5, 3600)."""
    try:
        count, period = rate.split("/")
        digits = period[:-1] or "1"
        return int(count), int(digits) * _UNITS[period[-1]]
    except (ValueError, KeyError, IndexError):
        raise ImproperlyConfigured(f"a rate looks like '10/15m' or '5/h'; got {rate!r}") from None


def hit(scope: str, key: str, rate: str) -> bool:
    """Count one attempt; False when the limit for this window is already used up."""
    limit, seconds = parse_rate(rate)
    window = int(time.time()) // seconds
    digest = hashlib.sha256(f"{scope}:{key}".encode()).hexdigest()[:32]
    ends = datetime.fromtimestamp((window + 1) * seconds, tz=UTC)
    adapt = connection.ops.adapt_datetimefield_value
    with rows.prepared_cursor() as cursor:
        cursor.execute(_UPSERT, [f"{scope[:30]}:{digest}:{window}", adapt(ends)])
        (count,) = cursor.fetchone()
    return bool(count <= limit)


def purge(now: datetime) -> int:
    """The worker's sweep: forget the windows that have ended."""
    deleted, _ = RateCounter.objects.filter(expires_at__lte=now).delete()
    return deleted
