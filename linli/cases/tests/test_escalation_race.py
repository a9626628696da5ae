"""Two workers sweeping at the same moment escalate each due case exactly once.

Runs with real transactions and two database connections (two threads) on PostgreSQL, where the
claims really race. SQLite's in-memory test database refuses concurrent writers outright, and a
file database serialises them, so there is no race to test there.
"""

from __future__ import annotations

import io
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from linli.cases import actions
from linli.cases.actions import Intake, submit_case, sweep
from linli.cases.models import Case, CaseEvent
from linli.cases.tests.conftest import a_point_in
from linli.core.audit import AuditKind
from linli.core.models import AuditEvent
from linli.people.models import User
from linli.web.demo.loader import build_demo_city

SH = ZoneInfo("Asia/Shanghai")
MONDAY_MORNING = datetime(2026, 11, 23, 9, 0, tzinfo=SH)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers")
def test_two_workers_racing_escalate_each_case_exactly_once():
    build_demo_city(io.StringIO(), progress=False)
    resident = User.objects.get(username="resident1")
    spot = a_point_in("330499001")
    cases = [
        submit_case(
            Intake(
                kind="report",
                channel="web",
                description=f"路灯坏了 {i}",
                lon=spot[0],
                lat=spot[1],
                category="municipal",
            ),
            actor=resident,
            now=MONDAY_MORNING,
        ).case
        for i in range(20)
    ]
    later = max(c.due_at for c in cases) + timedelta(minutes=1)
    results: list[int] = []
    barrier = threading.Barrier(2)

    def worker() -> None:
        barrier.wait()
        try:
            results.append(actions.escalate_due(later))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results) == 20
    assert all(c.escalations == 1 for c in Case.objects.filter(pk__in=[c.pk for c in cases]))
    assert CaseEvent.objects.filter(kind="escalated", case__in=cases).count() == 20


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers")
def test_two_workers_racing_in_small_batches_escalate_a_mix_of_tiers_exactly_once(monkeypatch):
    build_demo_city(io.StringIO(), progress=False)
    resident = User.objects.get(username="resident1")
    spot = a_point_in("330499001")

    def report(n: int, now: datetime) -> list[Case]:
        intake = Intake(
            kind="report",
            channel="web",
            description="路灯坏了",
            lon=spot[0],
            lat=spot[1],
            category="municipal",
        )
        return [submit_case(intake, actor=resident, now=now).case for _ in range(n)]

    at_street = report(10, MONDAY_MORNING)
    first = max(c.due_at for c in at_street)
    assert actions.escalate_due(first) == 10  # these ten are at the street tier now
    at_community = report(20, first)
    cases = at_street + at_community
    later = max(c.due_at for c in Case.objects.filter(pk__in=[c.pk for c in cases]))
    monkeypatch.setattr(sweep, "BATCH", 4)  # many small batches, so the workers interleave
    results: list[int] = []
    barrier = threading.Barrier(2)

    def worker() -> None:
        barrier.wait()
        try:
            results.append(actions.escalate_due(later))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sum(results) == 30
    now_at = dict(Case.objects.filter(pk__in=[c.pk for c in cases]).values_list("pk", "tier"))
    assert {now_at[c.pk] for c in at_street} == {"district"}
    assert {now_at[c.pk] for c in at_community} == {"street"}
    escalated = CaseEvent.objects.filter(kind="escalated", at=later)
    assert sorted(escalated.values_list("case_id", flat=True)) == sorted(c.pk for c in cases)
    audited = AuditEvent.objects.filter(kind=AuditKind.CASE_ESCALATED)
    assert audited.count() == 10 + 30  # the first sweep's ten, then each case once
    notices = [
        r.args_kwargs["args"][0]
        for r in DBTaskResult.objects.filter(task_path__endswith="notify.deliver")
        if r.args_kwargs["args"][1] == "escalated"
    ]
    assert len(notices) == 40 and sorted(set(notices)) == sorted(c.pk for c in cases)
