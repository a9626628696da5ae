"""Run a piece of database work again while SQLite says the database is locked.

SQLite lets one writer at a time; under concurrency a transaction may find the database locked
even with a busy timeout. PostgreSQL waits on the row or index lock instead, so there this never
retries. Only the outermost transaction can retry: inside another one the error goes up.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import OperationalError, transaction

T = TypeVar("T")
RETRIES = 200


def while_locked(work: Callable[[], T], *, busy: Exception, atomic: bool = True) -> T:
    """``work()`` (in a transaction unless ``atomic`` is false), again while the database is
    locked; ``busy`` is raised when it stays locked."""
    for attempt in range(RETRIES):
        try:
            if not atomic:
                return work()
            with transaction.atomic():
                return work()
        except OperationalError as exc:
            if "locked" not in str(exc) or transaction.get_connection().in_atomic_block:
                raise
            time.sleep(random.uniform(0.001, 0.01) * (1 + attempt % 10))
    raise busy
