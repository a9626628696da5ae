"""core.rows: the SQL written without the ORM for the intake."""

from __future__ import annotations

import pytest

from linli.core import rows


def test_placeholders_are_numbered_in_order_and_anything_else_with_a_percent_is_refused():
    sql = "INSERT INTO t (a, b) VALUES (%s, jsonb_set(%s::jsonb, '{args,0}', '1')) RETURNING %s"
    assert rows.numbered(sql) == (
        "INSERT INTO t (a, b) VALUES ($1, jsonb_set($2::jsonb, '{args,0}', '1')) RETURNING $3"
    )
    assert rows.numbered("SELECT 1") == "SELECT 1"
    for odd in ("SELECT %(name)s", "SELECT 'a%' || %s", "SELECT %%s"):
        with pytest.raises(ValueError, match="placeholders"):
            rows.numbered(odd)


@pytest.mark.django_db
def test_a_prepared_cursor_answers_like_djangos_own_and_its_errors_are_djangos():
    from django.db import IntegrityError, transaction

    with rows.prepared_cursor() as cursor:
        cursor.execute("SELECT %s + %s, %s", [1, 2, "三"])
        assert cursor.fetchone() == (3, "三")
    with pytest.raises(IntegrityError), transaction.atomic(), rows.prepared_cursor() as cursor:
        sql = "INSERT INTO core_ratecounter (key, count, expires_at) VALUES (%s, 1, %s)"
        for _ in range(2):
            cursor.execute(sql, ["twice", "2030-01-01 00:00:00+00:00"])
