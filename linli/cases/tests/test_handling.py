from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from linli.cases import actions
from linli.cases.actions import CaseError, Intake, submit_case
from linli.cases.models import Case, CaseEvent, Tier
from linli.core import deadlines

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
MONDAY_MORNING = datetime(2026, 11, 23, 9, 0, tzinfo=SH)


@pytest.fixture
def case(spot, resident) -> Case:
    intake = Intake(
        kind="report",
        channel="web",
        description="小区门口有人偷电动车",
        lon=spot[0],
        lat=spot[1],
        category="public_order",
    )
    return submit_case(intake, actor=resident, now=MONDAY_MORNING).case


def test_the_whole_path_from_new_to_closed_is_recorded_on_the_timeline(case, room_officer):
    actions.accept_case(case, actor=room_officer)
    actions.start_case(case, actor=room_officer)
    actions.resolve_case(case, actor=room_officer, result="已调取监控，追回电动车")
    actions.close_case(case, actor=room_officer)
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED
    assert case.resolved_at and case.closed_at
    steps = list(
        CaseEvent.objects.filter(case=case, kind="status").values_list("to_status", flat=True)
    )
    assert steps == ["accepted", "in_progress", "resolved", "closed"]


@pytest.mark.parametrize(
    ("step", "kwargs"),
    [
        (actions.start_case, {}),
        (actions.resolve_case, {"result": "done"}),
        (actions.close_case, {}),
        (actions.resume_case, {}),
        (actions.reopen_case, {"reason": "not fixed"}),
    ],
)
def test_a_new_case_refuses_every_step_the_table_does_not_allow(case, room_officer, step, kwargs):
    with pytest.raises(CaseError) as refused:
        step(case, actor=room_officer, **kwargs)
    assert refused.value.status == 409
    case.refresh_from_db()
    assert case.status == Case.Status.NEW


def test_a_rejection_needs_a_reason(case, room_officer):
    with pytest.raises(CaseError) as refused:
        actions.reject_case(case, actor=room_officer, reason="  ")
    assert refused.value.field == "reason"
    actions.reject_case(case, actor=room_officer, reason="民事纠纷，请向法院起诉")
    assert case.status == Case.Status.REJECTED


def test_suspension_stops_the_clock_and_resuming_moves_the_deadline(case, room_officer):
    actions.accept_case(case, actor=room_officer)
    due_before = case.due_at
    suspended = MONDAY_MORNING + timedelta(minutes=30)
    actions.suspend_case(case, actor=room_officer, reason="等待当事人出差回来", now=suspended)
    # Two office hours later, on the same Monday morning, whatever the clock says now.
    actions.resume_case(case, actor=room_officer, now=suspended + timedelta(hours=2))
    case.refresh_from_db()
    assert case.status == Case.Status.IN_PROGRESS
    assert case.due_at == deadlines.extend_by_working_time(
        due_before, suspended, suspended + timedelta(hours=2)
    )
    assert case.due_at > due_before


def test_an_officer_escalates_by_hand_and_a_street_leader_takes_ownership(
    case, room_officer, street_staff
):
    actions.escalate_case(case, actor=room_officer, reason="涉及多个部门，需要街道协调")
    case.refresh_from_db()
    assert case.tier == Tier.STREET
    assert case.status == Case.Status.NEW  # escalation never changes the status
    assert case.unit.kind == "police_station"
    assert case.owner == street_staff
    assert case.escalations == 1
    assert CaseEvent.objects.filter(case=case, kind="escalated").count() == 1


def test_the_sweep_warns_at_the_warning_point_and_escalates_after_the_deadline(case):
    assert actions.warn_due(case.warn_at - timedelta(minutes=1)) == 0
    assert actions.warn_due(case.warn_at) == 1
    assert actions.warn_due(case.warn_at + timedelta(minutes=5)) == 0  # once only
    assert actions.escalate_due(case.due_at - timedelta(seconds=1)) == 0
    assert actions.escalate_due(case.due_at) == 1
    case.refresh_from_db()
    assert case.tier == Tier.STREET
    assert case.warned_at is None  # a new tier brings a new deadline and a new warning


def test_every_pair_of_statuses_is_allowed_or_refused_exactly_as_the_table_says(case, room_officer):
    from linli.cases.actions.common import transition

    statuses = list(Case.Status)
    allowed = refused = 0
    for current in statuses:
        for target in statuses:
            Case.objects.filter(pk=case.pk).update(status=current)
            case.refresh_from_db()
            events = CaseEvent.objects.filter(case=case).count()
            if target in Case.ALLOWED[current]:
                transition(case, target, actor=room_officer, note="table walk")
                case.refresh_from_db()
                assert case.status == target, (current, target)
                assert CaseEvent.objects.filter(case=case).count() == events + 1
                allowed += 1
            else:
                with pytest.raises(CaseError) as refusal:
                    transition(case, target, actor=room_officer)
                assert refusal.value.status == 409, (current, target)
                case.refresh_from_db()
                assert case.status == current, (current, target)
                assert CaseEvent.objects.filter(case=case).count() == events
                refused += 1
    assert allowed == sum(len(targets) for targets in Case.ALLOWED.values())
    assert allowed + refused == len(statuses) ** 2
