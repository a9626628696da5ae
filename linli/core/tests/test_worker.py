"""`linli worker` runs the registered sweeps and drains queued tasks."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django_tasks import task

from linli.core import worker
from linli.core.audit import AuditKind
from linli.core.models import AuditEvent


@task()
def write_note(note: str) -> None:
    AuditEvent.objects.create(kind=int(AuditKind.HOLIDAY_CHANGED), note=note)


@pytest.fixture
def recorded_sweep():
    seen: list[datetime] = []

    def sweep(now: datetime) -> int:
        seen.append(now)
        return 0

    worker.register_sweep("test-sweep", sweep)
    yield seen
    worker._SWEEPS.pop("test-sweep", None)


@pytest.mark.django_db(transaction=True)
def test_one_pass_runs_each_sweep_at_the_given_moment_and_runs_queued_tasks(recorded_sweep):
    write_note.enqueue("from a task")
    moment = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

    worker.run(once=True, now=moment)

    assert recorded_sweep == [moment]
    assert AuditEvent.objects.filter(note="from a task").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_task_runs_once_even_when_two_passes_follow_each_other(recorded_sweep):
    write_note.enqueue("only once")
    worker.run(once=True)
    worker.run(once=True)
    assert AuditEvent.objects.filter(note="only once").count() == 1
    assert len(recorded_sweep) == 2
