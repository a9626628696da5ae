from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from linli.cases.actions import CaseError, Intake, submit_case
from linli.cases.models import Case, CaseEvent, Tier
from linli.core import crypto
from linli.core.models import AuditEvent

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
MONDAY_MORNING = datetime(2026, 11, 23, 9, 0, tzinfo=SH)


def report(spot, text="楼道里有人给电瓶车充电，电线拖了一地", **extra) -> Intake:
    return Intake(kind="report", channel="qr", description=text, lon=spot[0], lat=spot[1], **extra)


def test_a_police_matter_goes_to_the_police_room_of_its_micro_grid_with_a_deadline(
    spot, room, resident
):
    done = submit_case(
        report(spot, "小区门口有人在偷电瓶车的电瓶", category="public_order"),
        actor=resident,
        now=MONDAY_MORNING,
    )
    case = done.case
    assert case.unit == room.unit
    assert case.tier == Tier.COMMUNITY
    assert case.status == Case.Status.NEW
    assert case.number.startswith("330499-20261123-")
    assert case.area_code.startswith(room.unit.area_code)
    days = case.category.deadline_community
    assert case.due_at is not None and case.warn_at < case.due_at
    assert case.due_at.astimezone(SH).hour == 17 and days >= 1
    assert case.reporter == resident
    assert done.follow_up_code is None
    assert CaseEvent.objects.filter(case=case, kind="created").count() == 1
    assert AuditEvent.objects.filter(kind=400, object_id=str(case.pk)).count() == 1


def test_numbers_count_up_per_district_and_day(spot, resident):
    first = submit_case(report(spot), actor=resident, now=MONDAY_MORNING).case
    second = submit_case(report(spot), actor=resident, now=MONDAY_MORNING).case
    assert int(second.number[-6:]) == int(first.number[-6:]) + 1
    # On PostgreSQL the number is computed in the statement that writes the case, its event and
    # its audit row: what is stored and audited is the number the caller is given.
    for case in (first, second):
        assert Case.objects.get(pk=case.pk).number == case.number
        assert AuditEvent.objects.get(kind=400, object_id=str(case.pk)).object_repr == case.number
        assert CaseEvent.objects.filter(kind="created", case_id=case.pk).count() == 1


def test_a_district_past_999999_cases_in_a_day_gets_seven_digit_numbers(spot, resident):
    from linli.cases.models import CaseCounter

    CaseCounter.objects.create(district_code="330499", day=MONDAY_MORNING.date(), value=999_999)
    case = submit_case(report(spot), actor=resident, now=MONDAY_MORNING).case
    assert case.number == "330499-20261123-1000000"
    assert Case.objects.get(pk=case.pk).number == case.number


def test_without_a_category_triage_chooses_one(spot, resident):
    case = submit_case(
        report(spot, "楼下车位被一辆僵尸车占了半年，轮胎都瘪了"), actor=resident, now=MONDAY_MORNING
    ).case
    assert case.category.code.startswith("traffic")
    assert case.triage["top"] == "traffic"


def test_a_traffic_case_goes_to_the_traffic_squad(spot, resident):
    case = submit_case(
        report(spot, "路口有车违停挡住了消防通道", category="traffic.illegal_parking"),
        actor=resident,
        now=MONDAY_MORNING,
    ).case
    assert case.unit.kind == "traffic_squad"


def test_a_non_police_matter_goes_to_the_community_committee_first(spot, resident):
    case = submit_case(
        report(spot, "路灯坏了一个星期了晚上很黑", category="municipal"),
        actor=resident,
        now=MONDAY_MORNING,
    ).case
    assert case.unit.kind == "community_committee"
    assert case.police_matter is False


def test_at_the_district_tier_a_non_police_matter_goes_to_its_department(spot, room):
    from linli.cases import routing
    from linli.people.models import Unit

    place = routing.Place(
        area_code=room.micro_grids.order_by("code").first().code, police_room=None
    )
    municipal = routing.category("municipal.street_light")
    assert municipal.department == "urban_management"
    unit = routing.route(municipal, place, Tier.DISTRICT)
    assert unit.kind == "district_department" and unit.department == "urban_management"
    assert unit.name.endswith("综合行政执法局")
    assert routing.route(municipal, place, Tier.STREET).kind == "street_office"
    # A department without a unit of its key: the district office takes it and passes it on.
    Unit.objects.filter(department="urban_management").update(department="")
    routing.forget()
    assert routing.route(municipal, place, Tier.DISTRICT).kind == "district_office"


def test_an_emergency_is_flagged_with_the_numbers_to_call(spot, resident):
    done = submit_case(
        report(spot, "楼上着火了，冒了好多黑烟，有人被困"), actor=resident, now=MONDAY_MORNING
    )
    assert done.case.emergency is True
    assert "119" in done.emergency_numbers


def test_an_anonymous_tip_gets_a_follow_up_code_and_keeps_no_contact(spot, resident):
    done = submit_case(
        Intake(
            kind="tip",
            channel="web",
            description="有人在出租房里聚众赌博",
            lon=spot[0],
            lat=spot[1],
            anonymous=True,
            contact_phone="13800000001",
            reporter_name="张三",
        ),
        actor=resident,
        now=MONDAY_MORNING,
    )
    case = done.case
    assert case.reporter is None and case.contact_phone == "" and case.reporter_name == ""
    assert len(done.follow_up_code) == 10
    assert case.follow_up_digest == crypto.blind_index(done.follow_up_code, purpose="follow_up")


def test_the_contact_phone_is_encrypted_at_rest(spot):
    from django.db import connection

    case = submit_case(
        report(spot, contact_phone="138 0000 0009"), actor=None, now=MONDAY_MORNING
    ).case
    assert case.contact_phone == "+8613800000009"
    with connection.cursor() as cursor:
        cursor.execute("SELECT contact_phone FROM cases_case WHERE id = %s", [case.pk])
        stored = cursor.fetchone()[0]
    assert "13800000009" not in stored


def test_a_second_report_nearby_points_to_the_open_one(spot, resident):
    first = submit_case(report(spot), actor=resident, now=MONDAY_MORNING).case
    second = submit_case(
        report(spot, "电瓶车在楼道充电，很危险"), actor=resident, now=MONDAY_MORNING
    )
    assert (first.pk, first.number) in second.possible_duplicates


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"description": "   "}, "description"),
        ({"description": "x" * 2001}, "description"),
        ({"kind": "gossip"}, "kind"),
        ({"channel": "pigeon"}, "channel"),
        ({"lon": float("nan")}, "lon"),
        ({"lat": 91.0}, "lat"),
        ({"lon": 100.0, "lat": 20.0}, "lon"),  # outside the jurisdiction
        ({"category": "aliens"}, "category"),
        ({"contact_phone": "not a phone"}, "contact_phone"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(spot, resident, changes, field):
    intake = report(spot)
    for name, value in changes.items():
        setattr(intake, name, value)
    with pytest.raises(CaseError) as refused:
        submit_case(intake, actor=resident, now=MONDAY_MORNING)
    assert refused.value.field == field
    assert refused.value.message
    assert Case.objects.count() == 0


def test_the_notice_task_is_written_with_the_case_and_rolled_back_with_it(spot, resident):
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    class Abandon(Exception):
        pass

    with pytest.raises(Abandon), transaction.atomic():
        submit_case(report(spot), actor=resident)
        assert DBTaskResult.objects.filter(task_path__endswith="notify.deliver").count() == 1
        raise Abandon
    assert not Case.objects.exists() and not DBTaskResult.objects.exists()
    done = submit_case(report(spot), actor=resident)
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "linli.cases.notify.deliver"
    assert queued.args_kwargs["args"][:2] == [done.case.pk, "assigned"]


def test_a_report_on_the_eve_of_national_day_is_due_after_the_holiday(spot, resident):
    from linli.core import deadlines

    eve = datetime(2025, 9, 30, 10, 0, tzinfo=SH)
    case = submit_case(report(spot, category="dispute"), actor=resident, now=eve).case
    days = case.category.deadline_days(Tier.COMMUNITY)
    assert case.due_at == deadlines.deadline(eve, days).due_at
    assert days == 3  # a dispute at community tier, from the shipped categories
    # Day one is 30 September; 1–8 October 2025 are the holiday; days two and three are the
    # 9th and the 10th, the first working days after it.
    assert case.due_at == datetime(2025, 10, 10, 17, 30, tzinfo=SH), case.due_at.astimezone(SH)
    assert case.number.startswith("330499-20250930-")


def test_nothing_listens_for_saves_of_the_rows_the_intake_writes_without_save():
    """The intake writes these rows with core.rows, so no save signal fires for them: a
    receiver added one day would silently miss every report. The one there is, django-tasks'
    hook that gives a task without a time its "run any time" value, is done by task_rows."""
    from django.db.models.signals import post_save, pre_save
    from django_tasks_db.models import DBTaskResult, get_date_max

    from linli.cases import notify

    for model in (Case, CaseEvent, AuditEvent, DBTaskResult):
        assert not post_save.has_listeners(model), model
        if model is not DBTaskResult:
            assert not pre_save.has_listeners(model), model
    sync_receivers, _async = pre_save._live_receivers(DBTaskResult)
    assert [r.__name__ for r in sync_receivers] == ["set_run_after"]
    (row,) = notify.task_rows([1], notify.Event.ASSIGNED)
    assert row.run_after == get_date_max()


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall()]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
def test_on_postgresql_the_intake_statement_is_prepared_and_survives_a_rolled_back_report(
    spot, resident
):
    """psycopg prepares a statement sent prepare_threshold (5) times on a connection; the
    intake's and the rate limit's go through core.rows.prepared_cursor, so the server parses
    and plans them once. A report rolled back after that leaves the statement usable."""
    from django.db import transaction

    from linli.core import ratelimit

    numbers = [submit_case(report(spot), actor=resident).case.number for _ in range(6)]
    for _ in range(6):
        ratelimit.hit("test", "prepared", "100/h")
    prepared = _prepared_statements()
    assert any(s.startswith('WITH n AS (INSERT INTO "cases_casecounter"') for s in prepared)
    assert any(s.startswith('INSERT INTO "core_ratecounter"') for s in prepared)

    class Abandon(Exception):
        pass

    with pytest.raises(Abandon), transaction.atomic():
        submit_case(report(spot), actor=resident)
        raise Abandon
    numbers.append(submit_case(report(spot), actor=resident).case.number)
    assert len(set(numbers)) == 7
    assert sorted(Case.objects.values_list("number", flat=True)) == sorted(numbers)
