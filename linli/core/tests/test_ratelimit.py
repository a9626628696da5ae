"""Rate limits: counted per scope and key in the database, per fixed window."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ImproperlyConfigured

from linli.core import ratelimit
from linli.core.models import RateCounter
from linli.core.worker import run_sweeps


@pytest.mark.django_db
def test_a_limit_allows_its_count_then_refuses_and_keys_are_separate():
    assert [ratelimit.hit("t", "a", "3/h") for _ in range(4)] == [True, True, True, False]
    assert ratelimit.hit("t", "b", "3/h")
    assert ratelimit.hit("other", "a", "3/h")
    assert sorted(RateCounter.objects.values_list("count", flat=True)) == [1, 1, 4]


@pytest.mark.django_db
def test_a_new_window_starts_from_nothing_and_the_worker_forgets_ended_windows(monkeypatch):
    clock = [1_800_000_000.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: clock[0])
    assert [ratelimit.hit("t", "a", "2/m") for _ in range(3)] == [True, True, False]
    clock[0] += 60
    assert ratelimit.hit("t", "a", "2/m")
    assert RateCounter.objects.count() == 2
    ended = datetime.fromtimestamp(clock[0], tz=UTC)
    assert run_sweeps(ended)["core.rate_windows"] == 1
    assert RateCounter.objects.get().count == 1


@pytest.mark.parametrize("rate", ["", "3", "x/h", "3/y", "3/"])
def test_a_malformed_rate_is_a_configuration_error(rate):
    with pytest.raises(ImproperlyConfigured):
        ratelimit.parse_rate(rate)


@pytest.mark.django_db(transaction=True)
def test_migrate_creates_the_cache_table():
    from importlib import import_module

    from django.core.cache import cache
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE linli_cache")
    assert "linli_cache" not in connection.introspection.table_names()
    migration = import_module("linli.core.migrations.0004_cache_table")
    with connection.schema_editor() as editor:
        migration.create_cache_table(None, editor)
    assert "linli_cache" in connection.introspection.table_names()
    cache.set("k", "v")
    assert cache.get("k") == "v"
