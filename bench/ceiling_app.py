"""The ceiling: what the intake's own SQL costs over HTTP with no Django and no intake logic.

A bare WSGI app (no framework) that answers each request by sending exactly the statements a
Linli report sends to PostgreSQL: the rate limit's upsert, then the one statement that numbers
the case and writes it, its event, audit row and notice task and searches for duplicates. The
statements and their values were captured from real reports by bench/cases.py (``capture``);
only the task's id is made new each time (it is a primary key). Like Linli it binds on the
server and lets psycopg prepare what it sends five times. Whatever Linli does on top — Django,
validation, triage, location, routing, deadlines — must fit in the gap between this and the
budget.
"""

from __future__ import annotations

import itertools
import json
import os
import pickle
import uuid
from pathlib import Path
from typing import Any

import psycopg

_captured: dict[str, Any] = pickle.loads(Path(os.environ["LINLI_BENCH_CAPTURED"]).read_bytes())
_reports = itertools.cycle(_captured["reports"])
_connection: psycopg.Connection[Any] | None = None


def _connect() -> psycopg.Connection[Any]:
    global _connection
    if _connection is None:  # one per worker, made after gunicorn forks
        _connection = psycopg.connect(
            os.environ["LINLI_DATABASE_URL"], autocommit=True, prepare_threshold=5
        )
    return _connection


def application(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    json.loads(environ["wsgi.input"].read(length) or b"{}")  # read the report, as Linli does
    statement, params = next(_reports)
    params = [uuid.uuid4() if isinstance(p, uuid.UUID) else p for p in params]
    with _connect().cursor() as cursor:
        cursor.execute(*_captured["rate_limit"])
        cursor.fetchone()
        cursor.execute(statement, params)
        number = cursor.fetchall()[0][1]
    body = json.dumps({"number": number}).encode()
    start_response("201 Created", [("Content-Type", "application/json")])
    return [body]
