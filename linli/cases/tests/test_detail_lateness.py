"""The case page says whether the case is on time, warned or overdue, from the shared deadline
code (core.deadlines.lateness), while its deadline clock runs; a closed case says neither."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from linli.cases import actions, board
from linli.cases.models import Case
from linli.core.deadlines import Lateness

pytestmark = pytest.mark.django_db
THEFT = "小区车棚里的电动车电瓶昨晚被偷了"


def report(resident, spot, *, days_ago: int = 0) -> Case:
    """A case reported by ``resident`` through the real intake, ``days_ago`` days back."""
    lon, lat = spot
    intake = actions.Intake(kind="report", channel="web", description=THEFT, lon=lon, lat=lat)
    now = timezone.now() - timedelta(days=days_ago)
    return actions.submit_case(intake, actor=resident, now=now).case


def due_cell(client, case: Case) -> str:
    page = client.get(f"/cases/c/{case.number}/").content.decode()
    return re.search(r'<dd id="case-due"[^>]*>.*?</dd>', page, re.S).group(0)


def test_a_case_past_its_deadline_shows_as_overdue_to_the_officer_and_the_reporter(
    client, resident, room_officer, spot
):
    case = report(resident, spot, days_ago=60)  # its working days ran out long ago
    assert case.due_at is not None and case.due_at < timezone.now()
    for viewer in (room_officer, resident):
        client.force_login(viewer)
        cell = due_cell(client, case)
        assert 'class="lateness-overdue"' in cell and 'data-lateness="overdue"' in cell
        with translation.override("zh-hans"):  # the pages' language by default
            assert f'id="case-lateness">{gettext("overdue")}<' in cell


def test_a_new_case_is_on_time_and_says_nothing_more(client, resident, room_officer, spot):
    case = report(resident, spot)
    assert case.warn_at > timezone.now()
    client.force_login(room_officer)
    cell = due_cell(client, case)
    assert 'data-lateness="on_time"' in cell and "case-lateness" not in cell


def test_a_case_past_its_warning_point_shows_as_warned(client, resident, room_officer, spot):
    case = report(resident, spot)
    # move the warning point back an hour: the deadline itself is still days away
    Case.objects.filter(pk=case.pk).update(warn_at=timezone.now() - timedelta(hours=1))
    client.force_login(room_officer)
    cell = due_cell(client, case)
    assert 'class="lateness-warned"' in cell and 'id="case-lateness"' in cell


def test_an_overdue_case_once_resolved_no_longer_shows_lateness(
    client, resident, room_officer, spot
):
    case = report(resident, spot, days_ago=60)
    actions.accept_case(case, actor=room_officer)
    actions.resolve_case(case, actor=room_officer, result="电瓶已找回")
    client.force_login(room_officer)
    cell = due_cell(client, case)
    assert "lateness" not in cell
    assert timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M") in cell


def test_the_board_and_the_case_page_agree(client, resident, spot):
    case = report(resident, spot, days_ago=60)
    geo = board.open_cases_geojson(timezone.now(), limit=50)
    states = {f["properties"]["number"]: f["properties"]["lateness"] for f in geo["features"]}
    assert states[case.number] == Lateness.OVERDUE == "overdue"


def test_the_inbox_marks_the_same_lateness_as_the_case_page(client, resident, room_officer, spot):
    late, warned, fresh = (
        report(resident, spot, days_ago=60),
        report(resident, spot),
        report(resident, spot),
    )
    Case.objects.filter(pk=warned.pk).update(warn_at=timezone.now() - timedelta(hours=1))
    client.force_login(room_officer)
    page = client.get("/cases/inbox/").content.decode()

    def mark(case: Case) -> str:
        row = re.search(rf"{case.number}</a>.*?</li>", page, re.S).group(0)
        return re.search(r'data-lateness="([a-z_]*)"', row).group(1)

    assert (mark(late), mark(warned), mark(fresh)) == ("overdue", "warned", "on_time")
