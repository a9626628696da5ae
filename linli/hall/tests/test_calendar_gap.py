"""An application submitted while next year's holidays are not entered is taken all the same,
without a deadline, and gets the one it would have had once the year is entered."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from linli.core import deadlines, workdays
from linli.core.models import CalendarYear
from linli.hall import applications, calendar_gap
from linli.hall.models import Application, Matter
from linli.hall.tests.conftest import HOTEL_ANSWERS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendar_ends_2026")]
SH = ZoneInfo("Asia/Shanghai")
SUBMITTED = datetime(2026, 12, 31, 10, 0, tzinfo=SH)  # 2 working days end in 2027


def enter_2027() -> None:
    CalendarYear.objects.create(year=2027, source="test: weekends only")
    workdays.clear_cache()


@pytest.fixture
def application(resident) -> Application:
    filing = applications.Filing(answers=HOTEL_ANSWERS, delivery="window", consent=False)
    hotel = Matter.objects.get(code="hotel_special_trade")
    return applications.submit(hotel, resident, filing, actor=resident, now=SUBMITTED)


def test_the_application_is_taken_without_a_deadline_and_gets_it_later(application):
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED and application.due_at is None
    assert calendar_gap.fill_all() == 0
    enter_2027()
    assert calendar_gap.fill_all() == 1
    application.refresh_from_db()
    expected = deadlines.deadline(SUBMITTED, application.matter.promised_days)
    assert (application.due_at, application.warn_at) == (expected.due_at, expected.warn_at)


def test_time_waiting_for_materials_is_given_back(application, resident, clerk):
    asked, back = SUBMITTED + timedelta(minutes=10), SUBMITTED + timedelta(days=5)
    applications.act(
        application, "request_more", applications.Step("请补充平面图"), actor=clerk, now=asked
    )
    enter_2027()
    assert calendar_gap.fill_all() == 0  # waiting for the applicant: the clock stands still
    applications.resubmit(application, actor=resident, note="已补充", now=back)
    application.refresh_from_db()
    days = application.matter.promised_days
    assert application.due_at == deadlines.replay(SUBMITTED, days, [(asked, back)]).due_at
    assert application.due_at > deadlines.deadline(SUBMITTED, days).due_at


def test_every_view_of_an_application_without_a_deadline_answers(client, application, resident):
    from linli.people import actions as people

    token = people.create_api_token(resident, actor=resident, name="t").token
    found = client.get(
        f"/api/v1/hall/applications/{application.number}",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert found.status_code == 200 and found.json()["due_at"] is None
    client.force_login(resident)
    for url in (f"/hall/applications/{application.number}/", "/hall/applications/"):
        assert client.get(url).status_code == 200, url
    page = client.get(f"/hall/applications/{application.number}/").content.decode()
    assert "下一年节假日录入后确定" in page
