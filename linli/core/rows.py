"""Rows written with SQL built once per model, for the few paths where the ORM's cost per saved
row is most of the work (the case intake: docs/decisions.md, "one statement per intake").

``values(obj)`` turns an unsaved model instance into its columns and database values exactly as
``save()`` would (each field's ``pre_save`` and ``get_db_prep_save``), skipping the automatic
primary key; ``Row.sql()`` writes the INSERT. A column may be given as an SQL expression instead
of a value: how one statement inserts a case and, with the id it was given, its timeline event,
audit row and task. Signals do not fire: Linli audits explicitly (STYLE.md, habit 4), and no
receiver listens to the models written this way (a test in cases/tests/test_intake.py checks)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

import psycopg
from django.db import connection, models
from django.db.backends.utils import CursorWrapper


@dataclass
class Row:
    table: str
    columns: list[str]
    values: list[str]  # "%s" for a parameter, or an SQL expression
    params: list[Any] = field(default_factory=list)

    def sql(self, *, returning: str = "") -> tuple[str, list[Any]]:
        # names from the model's metadata, expressions from our code, values as parameters
        columns, values = ", ".join(self.columns), ", ".join(self.values)
        text = f"INSERT INTO {self.table} ({columns}) VALUES ({values})"  # noqa: S608
        return text + (f" RETURNING {returning}" if returning else ""), self.params


@cache
def _fields(model: type[models.Model]) -> tuple[models.Field[Any, Any], ...]:
    return tuple(
        f
        for f in model._meta.concrete_fields
        if not (f.primary_key and isinstance(f, models.AutoField | models.BigAutoField))
    )


def values(obj: models.Model, *, sql: dict[str, tuple[str, list[Any]]] | None = None) -> Row:
    """``obj``'s INSERT, its automatic id left to the database. ``sql`` maps a field's attname
    to an SQL expression and its parameters, written instead of the field's value."""
    quote = connection.ops.quote_name
    expressions = sql or {}
    row = Row(quote(obj._meta.db_table), [], [])
    for f in _fields(type(obj)):
        row.columns.append(quote(f.column))
        if f.attname in expressions:
            text, params = expressions[f.attname]
            row.values.append(text)
            row.params.extend(params)
        else:
            row.values.append("%s")
            row.params.append(f.get_db_prep_save(f.pre_save(obj, add=True), connection))
    return row


def saved(obj: models.Model, pk: int) -> None:
    """Mark ``obj`` as the stored row ``pk``, as ``save()`` would have left it."""
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = connection.alias


@contextmanager
def prepared_cursor() -> Iterator[CursorWrapper]:
    """A cursor whose statements PostgreSQL parses and plans once per connection.

    Django's cursors bind parameters on the client: each value is quoted into the SQL text, so
    every statement is new to the server and parsed and planned again. This one sends the values
    apart from the text (server-side binding), so psycopg prepares a statement it has sent
    ``prepare_threshold`` times (settings.py) and then sends only its name and values. For the
    intake's one statement that halves PostgreSQL's work per report (docs/decisions.md,
    "the intake's statements are prepared"). Elsewhere (SQLite) it is Django's own cursor."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    # what connection.cursor() does before it makes its cursor (health check, connect)
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        # Django's own are ClientCursors (django-stubs call this argument a CursorWrapper)
        raw: Any = _NumberedCursor(connection.connection)
    wrap = connection.make_debug_cursor if connection.queries_logged else connection.make_cursor
    with wrap(raw) as cursor:
        yield cursor


class _NumberedCursor(psycopg.RawCursor[Any]):
    """Binds on the server, and takes Django's ``%s`` placeholders: each statement's are
    numbered once (``numbered``) instead of psycopg parsing every statement of more than 50
    parameters for them again on each call (a tenth of the intake's Python)."""

    def execute(self, query: Any, params: Any = None, **options: Any) -> Any:
        return super().execute(numbered(query), params, **options)


@lru_cache(maxsize=256)  # the statements' shapes: a few dozen
def numbered(sql: str) -> str:
    """``sql`` with its ``%s`` placeholders written as PostgreSQL's own ``$1``, ``$2``, …"""
    parts = sql.split("%s")
    if any("%" in part for part in parts):
        raise ValueError(f"only plain %s placeholders can be numbered: {sql[:200]}")
    return "".join(f"{part}${i}" for i, part in enumerate(parts[:-1], 1)) + parts[-1]
