"""The deadline sweeps work in batches: what they write per case, and a fixed number of
statements per batch whatever the number of due cases."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext as _
from django_tasks_db.models import DBTaskResult

from linli.cases import actions, notify, routing
from linli.cases.actions import Intake, submit_case
from linli.cases.models import Case, CaseEvent, Tier
from linli.core import deadlines, workdays
from linli.core.audit import AuditKind
from linli.core.models import AuditEvent
from linli.places import locate

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
MONDAY_MORNING = datetime(2026, 11, 23, 9, 0, tzinfo=SH)
REASON = "The deadline passed: escalated automatically."


def report(spot, resident, n: int, *, now: datetime = MONDAY_MORNING) -> list[Case]:
    return [
        submit_case(
            Intake(
                kind="report",
                channel="web",
                description=f"路灯坏了，第{i}盏",
                lon=spot[0],
                lat=spot[1],
                category="municipal",
            ),
            actor=resident,
            now=now,
        ).case
        for i in range(n)
    ]


def queued(event: str) -> list[list]:
    rows = DBTaskResult.objects.filter(task_path__endswith="notify.deliver").order_by("enqueued_at")
    return [r.args_kwargs["args"] for r in rows if r.args_kwargs["args"][1] == event]


def test_the_sweep_writes_per_case_what_an_escalation_always_wrote(spot, resident, street_staff):
    (street,) = report(spot, resident, 1)
    first = street.due_at
    assert actions.escalate_due(first) == 1
    street.refresh_from_db()
    (community,) = report(spot, resident, 1, now=first)
    community_unit, street_unit = community.unit_id, street.unit_id
    later = max(community.due_at, street.due_at)

    assert actions.escalate_due(later) == 2

    community.refresh_from_db()
    street.refresh_from_db()
    assert (community.tier, community.escalations) == (Tier.STREET, 1)
    assert community.owner_id == street_staff.pk  # the street leader owns it at the street tier
    assert (street.tier, street.escalations, street.owner_id) == (Tier.DISTRICT, 2, street_staff.pk)
    municipal = community.category
    assert community.due_at == deadlines.deadline(later, municipal.deadline_street).due_at
    assert community.warn_at == deadlines.deadline(later, municipal.deadline_street).warn_at
    assert street.due_at == deadlines.deadline(later, municipal.deadline_district).due_at
    assert community.warned_at is None and street.warned_at is None
    assert (community.version, street.version) == (2, 3)  # one bump per escalation
    for case in (community, street):
        event = CaseEvent.objects.filter(case=case, kind="escalated").latest("id")
        assert (event.at, event.actor_id, event.note) == (later, None, _(REASON))
        assert (event.public, event.unit_id, event.tier) == (True, case.unit_id, case.tier)
    audit = AuditEvent.objects.filter(
        kind=AuditKind.CASE_ESCALATED, object_id=str(community.pk)
    ).latest("id")
    assert (audit.actor_id, audit.object_type, audit.object_repr, audit.note) == (
        None,
        "cases.case",
        community.number,
        _(REASON),
    )
    assert audit.before == {"tier": "community", "unit": community_unit}
    assert audit.after == {"tier": "street", "unit": community.unit_id}
    audit = AuditEvent.objects.filter(
        kind=AuditKind.CASE_ESCALATED, object_id=str(street.pk)
    ).latest("id")
    assert audit.before == {"tier": "street", "unit": street_unit}
    assert audit.after == {"tier": "district", "unit": street.unit_id}
    assert queued("escalated")[-2:] == [
        [community.pk, "escalated", None],
        [street.pk, "escalated", None],
    ]


def test_the_warning_sweep_writes_a_private_event_and_a_notice_per_case(spot, resident):
    cases = report(spot, resident, 3)
    moment = max(c.warn_at for c in cases)
    assert actions.warn_due(moment) == 3
    assert actions.warn_due(moment) == 0
    for case in cases:
        case.refresh_from_db()
        assert case.warned_at == moment and case.version == 1
        event = CaseEvent.objects.get(case=case, kind="warned")
        assert (event.at, event.actor_id, event.public) == (moment, None, False)
        assert event.note == _("Three quarters of the time to the deadline have passed.")
        assert (event.unit_id, event.tier) == (case.unit_id, case.tier)
    assert queued("warned") == [[c.pk, "warned", None] for c in cases]
    assert not AuditEvent.objects.filter(kind=AuditKind.CASE_WARNED).exists()


def test_notices_queued_in_bulk_are_the_task_rows_queue_writes_one_by_one(spot, resident):
    one, other = report(spot, resident, 2)
    DBTaskResult.objects.all().delete()
    notify.queue(one, notify.Event.WARNED)
    notify.queue_many([other], notify.Event.WARNED)
    rows = {r.args_kwargs["args"][0]: r for r in DBTaskResult.objects.all()}
    assert rows[one.pk].args_kwargs == {"args": [one.pk, "warned", None], "kwargs": {}}
    assert rows[other.pk].args_kwargs == {"args": [other.pk, "warned", None], "kwargs": {}}
    same = [
        f.attname
        for f in DBTaskResult._meta.concrete_fields
        if f.attname not in {"id", "enqueued_at", "args_kwargs"}
    ]
    assert [getattr(rows[one.pk], f) for f in same] == [getattr(rows[other.pk], f) for f in same]


def statements(sweep, spot, resident, n: int) -> int:
    cases = report(spot, resident, n)
    moment = max(c.due_at for c in cases) + timedelta(minutes=1)
    with CaptureQueriesContext(connection) as captured:
        assert sweep(moment) == n
    Case.objects.filter(pk__in=[c.pk for c in cases]).delete()
    return len(captured)


@pytest.mark.parametrize("sweep", [actions.escalate_due, actions.warn_due])
def test_a_sweep_of_fifty_due_cases_takes_as_many_statements_as_one_of_five(
    sweep, spot, resident, monkeypatch
):
    # The per-process tables (places, routing, calendar) look for changes at most once a
    # second or so: a cost per second, not per case, that a slow machine would add at random.
    monkeypatch.setattr(locate, "CHECK_SECONDS", 3600.0)
    monkeypatch.setattr(routing, "TABLE_SECONDS", 3600.0)
    monkeypatch.setattr(workdays, "CACHE_SECONDS", 3600.0)
    assert statements(sweep, spot, resident, 5) == statements(sweep, spot, resident, 50)


def test_a_case_that_cannot_be_escalated_does_not_hold_up_the_others(spot, resident):
    stuck, fine = report(spot, resident, 2)
    Case.objects.filter(pk=stuck.pk).update(category=None)  # e.g. a category since deleted
    due = max(stuck.due_at, fine.due_at)

    assert actions.escalate_due(due) == 2  # one escalated, one put off

    fine.refresh_from_db()
    stuck.refresh_from_db()
    assert fine.tier == Tier.STREET
    assert stuck.tier == Tier.COMMUNITY and stuck.due_at == due + timedelta(hours=1)
    note = CaseEvent.objects.get(case=stuck, kind="note")
    assert not note.public and "Categorise" in note.note
    assert actions.escalate_due(due + timedelta(minutes=30)) == 0  # not before its retry
    assert actions.escalate_due(due + timedelta(hours=1)) == 1  # tried again, put off again
    assert CaseEvent.objects.filter(case=stuck, kind="note").count() == 2
