"""Notices to units reach their officer on duty by SMS as well as in the app, and an emergency
alerts the duty officer of the police room covering the place, whoever handles the case."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from linli.cases import actions, notify
from linli.cases.models import Case, Notification
from linli.people.models import Shift, SmsMessage, Unit

pytestmark = pytest.mark.django_db


def _texts_to(user) -> list[str]:
    return [m.body for m in SmsMessage.objects.order_by("id") if m.phone == user.phone]


def _on_duty(unit, officer) -> None:
    """``officer`` is the only one on duty in ``unit`` now, with a phone to text."""
    now = timezone.now()
    Shift.objects.filter(unit=unit).delete()
    Shift.objects.create(
        unit=unit,
        officer=officer,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=8),
    )
    if not officer.phone:
        officer.phone = "+8613800000077"
        officer.save()


def _deliver_queued() -> None:
    """What the worker does with the queued notices (the worker itself needs committed rows)."""
    for row in DBTaskResult.objects.filter(task_path="linli.cases.notify.deliver").order_by(
        "enqueued_at"
    ):
        notify.deliver.call(*row.args_kwargs["args"])
    DBTaskResult.objects.all().delete()


def _report(spot, description: str, category: str | None = None) -> Case:
    intake = actions.Intake(
        kind="report",
        channel="web",
        description=description,
        lon=spot[0],
        lat=spot[1],
        category=category,
    )
    return actions.submit_case(intake, actor=None).case


def test_an_emergency_in_a_non_police_category_alerts_the_duty_officer_of_the_room(
    spot, room, room_officer
):
    _on_duty(room.unit, room_officer)
    case = _report(spot, "楼道里充电的电瓶车着火了，冒了好多黑烟，有人被困在楼上", "fire_safety")
    assert case.emergency and not case.police_matter
    assert case.unit.kind == Unit.Kind.COMMUNITY_COMMITTEE  # not the room's case to handle

    _deliver_queued()

    alert = Notification.objects.get(user=room_officer, case=case)
    assert alert.kind == "emergency" and case.number in alert.text
    assert Notification.objects.filter(unit=room.unit, case=case, kind="emergency").exists()
    assert Notification.objects.filter(unit=case.unit, case=case, kind="emergency").exists()
    texts = _texts_to(room_officer)
    assert len(texts) == 1 and case.number in texts[0] and "紧急" in texts[0]


def test_a_police_emergency_alerts_the_room_officer_once(spot, room, room_officer):
    _on_duty(room.unit, room_officer)
    case = _report(spot, "有人在楼下持刀砍人，快来人啊")
    assert case.emergency and case.unit == room.unit

    _deliver_queued()

    # One alert in the app and one text, though the room both handles it and covers the place;
    # the "new case" notice is not texted again on top of the alert.
    assert Notification.objects.filter(user=room_officer, case=case).count() == 1
    assert len(_texts_to(room_officer)) == 1


def test_unit_notices_are_texted_to_the_officer_on_duty(spot, room, room_officer):
    _on_duty(room.unit, room_officer)
    case = _report(spot, "车棚里的电瓶车这个月已经被偷了三辆，晚上经常有陌生人转悠")
    assert case.unit == room.unit and not case.emergency
    notify.queue(case, notify.Event.WARNED)

    _deliver_queued()

    kinds = set(
        Notification.objects.filter(unit=room.unit, case=case).values_list("kind", flat=True)
    )
    assert kinds == {"assigned", "warned"}
    texts = _texts_to(room_officer)
    assert len(texts) == 2 and all(case.number in t for t in texts)


def test_a_unit_without_anyone_on_duty_gets_its_notice_in_the_app_only(spot):
    case = _report(spot, "小区东门口那盏路灯坏了快一个星期，晚上黑乎乎的", "municipal.street_light")
    Shift.objects.filter(unit=case.unit).delete()

    _deliver_queued()

    assert Notification.objects.filter(unit=case.unit, case=case, kind="assigned").exists()
    assert not SmsMessage.objects.exists()
