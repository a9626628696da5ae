from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from linli.core import deadlines, workdays

SH = ZoneInfo("Asia/Shanghai")
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendar_ends_2026")]


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0):
    return datetime(year, month, day, hour, minute, second, tzinfo=SH)


def test_two_working_days_from_the_eve_of_national_day_end_on_9_october_with_a_warning_before():
    d = deadlines.deadline(at(2025, 9, 30, 10, 0), 2)
    assert d.due_at == at(2025, 10, 9, 17, 30)
    # Office time: 30 Sep 10:00–12:00 and 13:30–17:30 (6 h), then all of 9 Oct (7 h 30 min).
    # 75% of 13 h 30 min = 10 h 7.5 min: 6 h on 30 Sep, then 4 h 7.5 min into 9 Oct.
    assert d.warn_at == at(2025, 10, 9, 14, 7, 30)


def test_adding_working_time_skips_lunch_nights_weekends_and_holidays():
    friday_afternoon = at(2025, 9, 26, 17, 0)
    # 30 min left on Friday, Saturday 27 off, Sunday 28 Sep is an adjusted workday.
    assert deadlines.add_working_time(friday_afternoon, timedelta(hours=1)) == at(2025, 9, 28, 9, 0)
    before_lunch = at(2025, 9, 29, 11, 30)
    assert deadlines.add_working_time(before_lunch, timedelta(hours=1)) == at(2025, 9, 29, 14, 0)


def test_a_suspension_gives_back_exactly_the_office_time_it_took():
    due = at(2025, 9, 29, 17, 30)
    paused, resumed = at(2025, 9, 29, 9, 0), at(2025, 9, 29, 11, 0)
    assert deadlines.extend_by_working_time(due, paused, resumed) == at(2025, 9, 30, 10, 30)


def test_the_warning_point_moves_with_the_configured_fraction(settings):
    settings.LINLI_WARN_FRACTION = 0.5
    d = deadlines.deadline(at(2025, 9, 29, 8, 30), 1)
    assert d.due_at == at(2025, 9, 29, 17, 30)
    # Half of 7 h 30 min: the 3 h 30 min morning and 15 min after lunch.
    assert d.warn_at == at(2025, 9, 29, 13, 45)
    assert workdays.working_time_between(at(2025, 9, 29, 8, 30), d.warn_at) == timedelta(
        hours=3, minutes=45
    )


def enter_year(year: int) -> None:
    """Enter ``year`` with no holidays at all (only weekends off), as a test calendar."""
    from linli.core.models import CalendarYear

    CalendarYear.objects.create(year=year, source="test")
    workdays.clear_cache()


def test_a_deadline_into_a_year_not_entered_is_none_until_it_is():
    start = at(2026, 12, 28, 10, 0)  # 2027 is not entered in the test database
    with pytest.raises(workdays.CalendarYearMissing):
        deadlines.deadline(start, 5)
    assert deadlines.deadline_if_known(start, 5) is None
    assert deadlines.extend_if_known(at(2026, 12, 31, 17, 30), start, start + timedelta(1)) is None
    assert deadlines.extend_if_known(None, start, start) is None
    enter_year(2027)
    assert deadlines.deadline_if_known(start, 5) == deadlines.deadline(start, 5)
    # Mon 28 Dec … Thu 31 Dec, Fri 1 Jan (a plain weekday in this test year): 17:30 on 1 Jan.
    assert deadlines.deadline(start, 5).due_at == at(2027, 1, 1, 17, 30)


def test_a_replayed_clock_equals_the_deadline_moved_by_each_pause():
    start = at(2025, 9, 22, 9, 0)
    pauses = [
        (at(2025, 9, 23, 9, 0), at(2025, 9, 24, 9, 0)),
        (at(2025, 9, 25, 14, 0), at(2025, 9, 25, 15, 0)),
    ]
    replayed = deadlines.replay(start, 3, pauses)
    due = deadlines.deadline(start, 3)
    due_at, warn_at = due.due_at, due.warn_at
    for paused, resumed in pauses:
        due_at = deadlines.extend_by_working_time(due_at, paused, resumed)
        warn_at = deadlines.extend_by_working_time(warn_at, paused, resumed)
    assert (replayed.due_at, replayed.warn_at) == (due_at, warn_at)
    # 3 working days from Mon 22 Sep end Wed 24 Sep 17:30; one working day and one hour more.
    assert replayed.due_at == at(2025, 9, 26, 9, 30)
    assert deadlines.replay(start, 3, []) == due


def test_years_changed_answers_once_per_change_of_the_entered_years():
    assert deadlines.years_changed("test.sweep") is True
    assert deadlines.years_changed("test.sweep") is False
    enter_year(2031)
    assert deadlines.years_changed("test.sweep") is True
    assert deadlines.years_changed("test.sweep") is False
    assert deadlines.years_changed("test.other") is True
