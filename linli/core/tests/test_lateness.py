"""Lateness against a deadline and its warning point, at fixed moments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from linli.core.deadlines import Lateness, lateness

WARN = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DUE = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)


def test_before_the_warning_point_work_is_on_time():
    assert lateness(DUE, WARN, WARN - timedelta(seconds=1)) == Lateness.ON_TIME


def test_from_the_warning_point_it_is_warned():
    assert lateness(DUE, WARN, WARN) == Lateness.WARNED
    assert lateness(DUE, WARN, DUE - timedelta(seconds=1)) == Lateness.WARNED


def test_from_the_deadline_it_is_overdue_warned_or_not():
    assert lateness(DUE, WARN, DUE) == Lateness.OVERDUE
    assert lateness(DUE, None, DUE + timedelta(days=1)) == Lateness.OVERDUE


def test_work_without_a_deadline_is_on_time():
    assert lateness(None, None, DUE) == Lateness.ON_TIME


def test_lateness_reads_as_the_words_templates_compare_with():
    assert [str(s) for s in Lateness] == ["on_time", "warned", "overdue"]
