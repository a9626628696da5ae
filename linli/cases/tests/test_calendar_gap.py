"""A report received while next year's holidays are not entered is kept without a deadline (never
refused), and gets the deadline it would have had once an administrator enters the year."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from linli.cases import actions
from linli.cases.actions import Intake, calendar_gap, submit_case
from linli.cases.models import Case
from linli.core import deadlines, workdays
from linli.core.models import CalendarYear
from linli.core.worker import sweeps

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendar_ends_2026")]
SH = ZoneInfo("Asia/Shanghai")
RECEIVED = datetime(2026, 12, 30, 10, 0, tzinfo=SH)  # a Wednesday; 2027 is not entered in tests


def enter_2027() -> None:
    CalendarYear.objects.create(year=2027, source="test: weekends only")
    workdays.clear_cache()


@pytest.fixture
def case(spot, resident) -> Case:
    intake = Intake(
        kind="report",
        channel="web",
        description="楼上邻居天天半夜装修，说了好几次都不听",
        lon=spot[0],
        lat=spot[1],
        category="dispute",
    )
    submitted = submit_case(intake, actor=resident, now=RECEIVED).case
    assert submitted.category.deadline_days(submitted.tier) >= 3  # reaches into 2027
    return submitted


def days(case: Case) -> int:
    return case.category.deadline_days(case.tier)


def test_the_case_is_kept_without_a_deadline_and_gets_it_when_the_year_is_entered(case):
    case.refresh_from_db()
    assert case.pk and case.number and case.status == Case.Status.NEW
    assert case.due_at is None and case.warn_at is None
    assert calendar_gap.fill_all() == 0  # still missing: nothing to do
    enter_2027()
    assert calendar_gap.fill_all() == 1
    case.refresh_from_db()
    expected = deadlines.deadline(RECEIVED, days(case))
    assert (case.due_at, case.warn_at) == (expected.due_at, expected.warn_at)
    assert case.due_at is not None and case.due_at.year == 2027
    assert calendar_gap.fill_all() == 0  # once


def test_a_suspension_while_the_year_was_missing_is_given_back(case, room_officer):
    actions.accept_case(case, actor=room_officer)
    paused, resumed = RECEIVED + timedelta(days=1), RECEIVED + timedelta(days=2)
    actions.suspend_case(case, actor=room_officer, reason="等待物业提供监控", now=paused)
    actions.resume_case(case, actor=room_officer, now=resumed)
    case.refresh_from_db()
    assert case.due_at is None and case.status == Case.Status.IN_PROGRESS
    enter_2027()
    assert calendar_gap.fill_all() == 1
    case.refresh_from_db()
    plain = deadlines.deadline(RECEIVED, days(case))
    assert case.due_at == deadlines.extend_by_working_time(plain.due_at, paused, resumed)
    assert case.due_at > plain.due_at


def test_a_case_suspended_when_the_year_is_entered_gets_its_deadline_on_resumption(
    case, room_officer
):
    actions.accept_case(case, actor=room_officer)
    paused, resumed = RECEIVED + timedelta(hours=1), RECEIVED + timedelta(days=1)
    actions.suspend_case(case, actor=room_officer, reason="当事人外出", now=paused)
    enter_2027()
    assert calendar_gap.fill_all() == 0  # suspended: its clock is not running
    actions.resume_case(case, actor=room_officer, now=resumed)
    case.refresh_from_db()
    assert case.due_at == deadlines.replay(RECEIVED, days(case), [(paused, resumed)]).due_at


def test_the_worker_fills_in_only_when_the_entered_years_change(case):
    sweep = sweeps()[calendar_gap.SWEEP]
    sweep(RECEIVED)  # whatever an earlier test left: now the worker has looked at these years
    assert sweep(RECEIVED) == 0
    enter_2027()
    assert sweep(RECEIVED) == 1
    assert sweep(RECEIVED) == 0


def test_every_view_of_a_case_without_a_deadline_answers(client, case, resident):
    from linli.gateways.actions import create_client
    from linli.people import actions as people
    from linli.people.models import Membership

    assert Case.objects.get(pk=case.pk).due_at is None
    handler = Membership.objects.filter(unit=case.unit).first().user  # the committee's staff
    token = people.create_api_token(handler, actor=handler, name="t").token
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    one = client.get(f"/api/v1/cases/{case.number}", **auth)
    assert one.status_code == 200 and one.json()["due_at"] is None
    listed = client.get("/api/v1/cases", **auth)
    assert listed.status_code == 200 and case.number in listed.content.decode()
    light = Intake(
        kind="report",
        channel="open311",
        description="路灯坏了",
        lon=case.lon,
        lat=case.lat,
        category="municipal.street_light",  # a public service: Open311 shows it
    )
    lamp = submit_case(light, actor=None, now=RECEIVED + timedelta(days=1)).case
    assert lamp.due_at is None
    key = create_client("calendar gap")[1]
    for fmt in ("json", "xml"):
        found = client.get(f"/open311/v2/requests/{lamp.number}.{fmt}", {"api_key": key})
        assert found.status_code == 200, found.content
    assert "<expected_datetime />" in found.content.decode()  # empty: not known yet
    client.force_login(handler)
    for url in (f"/cases/c/{case.number}/", "/cases/inbox/"):
        assert client.get(url).status_code == 200, url
    client.force_login(resident)
    page = client.get(f"/cases/c/{case.number}/")
    assert page.status_code == 200 and "下一年节假日录入后确定" in page.content.decode()
