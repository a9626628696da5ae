"""Working days, office hours and deadlines in the Chinese calendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from linli.core import actions, workdays
from linli.core.audit import AuditKind
from linli.core.checks import next_calendar_year_warnings
from linli.core.models import AuditEvent, CalendarYear, Holiday

SH = ZoneInfo("Asia/Shanghai")
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendar_ends_2026")]


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SH)


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    workdays.clear_cache()
    yield
    workdays.clear_cache()


# --- the seeded table ----------------------------------------------------------------------


def test_the_migration_seeds_every_year_chinese_calendar_knows():
    years = set(CalendarYear.objects.values_list("year", flat=True))
    assert set(range(2004, 2027)) <= years
    assert Holiday.objects.get(date=date(2025, 10, 6)).kind == Holiday.Kind.HOLIDAY
    assert Holiday.objects.get(date=date(2025, 9, 28)).kind == Holiday.Kind.WORKDAY


def test_seeding_again_adds_nothing_and_names_the_disagreements_with_holidays_china(capsys):
    call_command("seed_calendar")
    out = capsys.readouterr().out
    assert "added 0 dates" in out
    # holidays.China counts Sat 31 Dec 2005 as a working day; chinese_calendar does not.
    assert "2005-12-31 (Sat): our table says day off" in out
    assert Holiday.objects.count() == len(actions.package_calendar())


def test_seed_check_fails_when_the_table_lacks_dates_and_seeding_restores_them(capsys):
    Holiday.objects.filter(date__year=2026).delete()
    CalendarYear.objects.filter(year=2026).delete()
    with pytest.raises(CommandError):
        call_command("seed_calendar", "--check")
    assert not Holiday.objects.filter(date__year=2026).exists()

    call_command("seed_calendar")
    assert "years newly entered: 2026" in capsys.readouterr().out
    assert CalendarYear.objects.filter(year=2026).exists()
    assert Holiday.objects.get(date=date(2026, 2, 14)).kind == Holiday.Kind.WORKDAY
    assert AuditEvent.objects.filter(kind=AuditKind.HOLIDAY_SEEDED).exists()
    call_command("seed_calendar", "--check")  # nothing pending any more: no error


def test_seeding_keeps_an_administrators_correction_and_reports_the_conflict(capsys):
    Holiday.objects.filter(date=date(2025, 10, 8)).update(kind=Holiday.Kind.WORKDAY)
    call_command("seed_calendar")
    assert "conflict: 2025-10-08" in capsys.readouterr().out
    assert Holiday.objects.get(date=date(2025, 10, 8)).kind == Holiday.Kind.WORKDAY


# --- days ----------------------------------------------------------------------------------


def test_the_2025_national_day_week_is_off_and_its_two_weekend_days_are_worked():
    for day in range(1, 9):
        assert not workdays.is_working_day(date(2025, 10, day))
    assert workdays.is_working_day(date(2025, 9, 28))  # Sunday
    assert workdays.is_working_day(date(2025, 10, 11))  # Saturday
    assert workdays.is_working_day(date(2025, 10, 9))
    assert not workdays.is_working_day(date(2025, 10, 12))  # an ordinary Sunday


def test_the_2026_spring_festival_follows_chinese_calendar():
    from chinese_calendar import constants

    off = sorted(d for d in constants.holidays if d.year == 2026 and d.month == 2)
    assert off == [date(2026, 2, day) for day in range(15, 24)]
    for day in off:
        assert not workdays.is_working_day(day)
    assert workdays.is_working_day(date(2026, 2, 14))  # Saturday, adjusted workday
    assert workdays.is_working_day(date(2026, 2, 28))  # Saturday, adjusted workday
    assert workdays.is_working_day(date(2026, 2, 24))
    # Friday 13 Feb 10:00 + 3 working days: 13 Feb, Sat 14 Feb, then Tue 24 Feb.
    assert workdays.add_working_days(at(2026, 2, 13, 10), 3) == at(2026, 2, 24, 17, 30)


def test_a_date_in_a_year_not_entered_is_refused_with_a_message_naming_it():
    with pytest.raises(workdays.CalendarYearMissing) as caught:
        workdays.is_working_day(date(2027, 3, 1))
    assert caught.value.year == 2027
    assert "2027" in str(caught.value)
    assert "admin" in str(caught.value)
    with pytest.raises(workdays.CalendarYearMissing):
        workdays.add_working_days(at(2026, 12, 30, 10), 5)


def test_entering_a_year_in_the_admin_action_makes_it_usable_at_once():
    workdays.is_year_entered(2027)  # warm the cache: it must not keep the old answer
    actions.save_holiday(
        Holiday(date=date(2027, 1, 1), kind=Holiday.Kind.HOLIDAY, name="New Year"), actor=None
    )
    actions.enter_calendar_year(2027, actor=None, source="test")
    assert not workdays.is_working_day(date(2027, 1, 1))
    assert workdays.is_working_day(date(2027, 1, 4))
    kinds = list(AuditEvent.objects.values_list("kind", flat=True))
    assert kinds.count(AuditKind.HOLIDAY_CHANGED) == 2


def test_after_the_first_deadline_the_next_costs_no_query():
    workdays.add_working_days(at(2025, 9, 30, 10), 2)
    with CaptureQueriesContext(connection) as queries:
        workdays.add_working_days(at(2025, 3, 3, 10), 10)
        workdays.working_time_between(at(2025, 1, 1), at(2025, 12, 31))
    assert len(queries) == 0


# --- deadlines -----------------------------------------------------------------------------


def test_two_working_days_from_30_september_2025_end_at_the_close_of_9_october():
    due = workdays.add_working_days(at(2025, 9, 30, 10), 2)
    assert due == at(2025, 10, 9, 17, 30)
    assert due.tzinfo is not None


def test_a_start_after_closing_or_on_a_day_off_counts_from_the_next_working_day():
    assert workdays.add_working_days(at(2025, 9, 30, 17, 30), 1) == at(2025, 10, 9, 17, 30)
    assert workdays.add_working_days(at(2025, 10, 3, 9), 1) == at(2025, 10, 9, 17, 30)
    assert workdays.add_working_days(at(2025, 10, 9, 12, 30), 1) == at(2025, 10, 9, 17, 30)


def test_a_deadline_accepts_any_aware_time_and_answers_in_shanghai_time():
    from datetime import UTC

    due = workdays.add_working_days(datetime(2025, 9, 30, 2, 0, tzinfo=UTC), 2)
    assert due == at(2025, 10, 9, 17, 30)
    assert due.utcoffset() == timedelta(hours=8)
    with pytest.raises(ValueError):
        workdays.add_working_days(datetime(2025, 9, 30, 10), 1)
    with pytest.raises(ValueError):
        workdays.add_working_days(at(2025, 9, 30, 10), 0)


def test_the_office_hours_setting_moves_the_close(settings):
    settings.LINLI_OFFICE_HOURS = "09:00-12:00,14:00-18:00"
    assert workdays.add_working_days(at(2025, 9, 30, 10), 1) == at(2025, 9, 30, 18)


# --- working time --------------------------------------------------------------------------


def test_working_time_skips_the_lunch_break():
    assert workdays.working_time_between(at(2025, 9, 29, 11), at(2025, 9, 29, 14)) == timedelta(
        hours=1, minutes=30
    )


def test_working_time_skips_nights_and_a_weekend():
    # Fri 12 Sep 17:00 -> Mon 15 Sep 09:00: 30 min on Friday, 30 min on Monday.
    assert workdays.working_time_between(at(2025, 9, 12, 17), at(2025, 9, 15, 9)) == timedelta(
        hours=1
    )


def test_working_time_skips_a_holiday_and_counts_an_adjusted_workday():
    # Tue 30 Sep 17:00 -> Thu 9 Oct 09:30: 30 min + 1 h; 1–8 Oct count nothing.
    assert workdays.working_time_between(at(2025, 9, 30, 17), at(2025, 10, 9, 9, 30)) == timedelta(
        hours=1, minutes=30
    )
    # Sat 27 Sep is off, Sun 28 Sep is worked in full (7 h 30 min).
    assert workdays.working_time_between(at(2025, 9, 27), at(2025, 9, 29)) == timedelta(
        hours=7, minutes=30
    )


def test_working_time_backwards_is_zero():
    assert workdays.working_time_between(at(2025, 9, 30, 12), at(2025, 9, 30, 9)) == timedelta()


def test_fraction_elapsed_counts_only_office_time():
    start, due = at(2025, 9, 30, 10), at(2025, 10, 9, 17, 30)  # 6 h + 7 h 30 min
    assert workdays.fraction_elapsed(start, due, at(2025, 10, 5, 12)) == pytest.approx(6 / 13.5)
    assert workdays.fraction_elapsed(start, due, at(2025, 9, 30, 9)) == 0.0
    assert workdays.fraction_elapsed(start, due, at(2025, 10, 20)) == 1.0


# --- the system check ----------------------------------------------------------------------


def test_in_november_the_check_warns_that_next_year_is_not_entered():
    CalendarYear.objects.filter(year=2027).delete()
    warnings = next_calendar_year_warnings(date(2026, 11, 2))
    assert [w.id for w in warnings] == ["linli.core.W001"]
    assert "2027" in warnings[0].msg


def test_the_check_is_quiet_before_november_and_once_next_year_is_entered():
    assert next_calendar_year_warnings(date(2026, 10, 31)) == []
    assert next_calendar_year_warnings(date(2025, 12, 1)) == []  # 2026 is seeded
    actions.enter_calendar_year(2027, actor=None, source="test")
    assert next_calendar_year_warnings(date(2026, 12, 31)) == []
