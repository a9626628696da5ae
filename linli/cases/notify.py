"""Notices to residents (accepted, resolved) and to units (assigned, warned, escalated, emergency),
in the app and by SMS through ``people.sms`` (a unit's notice goes to its officer on duty, where it
keeps a roster; units without one get the in-app notice only). They are sent by a task queued in
the database inside the action's own transaction: the worker sees it only once the action
commits, a rolled-back action tells nobody anything, and a process that dies right after the
commit loses no notice (the task row committed with the case)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import normalize_json, task_enqueued
from django_tasks_db.models import DBTaskResult, get_date_max

from linli.cases.models import Case, Notification
from linli.people import sms
from linli.people.duty import officers_on_duty
from linli.places.models import PoliceRoom


class Event(StrEnum):
    ASSIGNED = "assigned"
    EMERGENCY = "emergency"
    ACCEPTED = "accepted"
    RESOLVED = "resolved"
    WARNED = "warned"
    ESCALATED = "escalated"
    WORK_ORDER = "work_order"


TO_RESIDENT = {Event.ACCEPTED, Event.RESOLVED}


def queue(case: Case, event: Event, *, unit: Any = None) -> None:
    """Deliver once the current transaction commits: to ``unit`` if given, else the handling
    unit. The task row is written in that transaction (the database task backend)."""
    deliver.enqueue(case.pk, event.value, getattr(unit, "pk", None))


def queue_many(cases: list[Case], event: Event) -> None:
    """``queue(case, event)`` for each case, to its handling unit: on the database task backend
    the same task rows as ``enqueue`` writes, in one INSERT (the deadline sweeps)."""
    rows = task_rows([case.pk for case in cases], event)
    if rows is None:
        for case in cases:
            queue(case, event)
        return
    enqueued(DBTaskResult.objects.bulk_create(rows))


def task_rows(case_ids: list[int | None], event: Event) -> list[DBTaskResult] | None:
    """The task rows ``queue()`` would write for these cases, unsaved; None when tasks are not
    kept in the database (then ``queue()`` is the way). A case id may be None for a case that
    is stored in the same statement (the intake gives its id as an SQL expression)."""
    backend = deliver.get_backend()
    if not isinstance(backend, DatabaseBackend):
        return None
    backend.validate_task(deliver)
    run_after = deliver.run_after or get_date_max()  # what the backend's pre_save hook sets
    return [
        DBTaskResult(
            id=backend._get_id(),
            args_kwargs=normalize_json({"args": (case_id, event.value, None), "kwargs": {}}),
            priority=deliver.priority,
            task_path=deliver.module_path,
            queue_name=deliver.queue_name,
            run_after=run_after,
            backend_name=backend.alias,
        )
        for case_id in case_ids
    ]


def enqueued(rows: list[DBTaskResult]) -> None:
    """Tell django-tasks (its log) about task rows written without ``enqueue``."""
    for row in rows:
        task_enqueued.send(DatabaseBackend, task_result=row.task_result)


def _text(case: Case, event: Event) -> str:
    texts = {
        Event.ASSIGNED: _("New case %(number)s: %(category)s."),
        Event.EMERGENCY: _("EMERGENCY %(number)s: %(category)s. Act now."),
        Event.ACCEPTED: _("Your case %(number)s has been accepted."),
        Event.RESOLVED: _("Your case %(number)s has been resolved. Please confirm and rate it."),
        Event.WARNED: _("Case %(number)s is close to its deadline."),
        Event.ESCALATED: _("Case %(number)s was escalated to you."),
        Event.WORK_ORDER: _("A work order about case %(number)s was sent to you."),
    }
    category = case.category.name_zh if case.category else ""
    return texts[event] % {"number": case.number, "category": category}


@task()
def deliver(case_id: int, event: str, unit_id: int | None = None) -> None:
    # Texts go out in the deployment's language, whatever the worker thread had active.
    with translation.override(settings.LANGUAGE_CODE):
        _deliver(case_id, event, unit_id)


def _deliver(case_id: int, event: str, unit_id: int | None) -> None:
    case = Case.objects.select_related("category", "unit").filter(pk=case_id).first()
    if case is None:
        return
    kind = Event(event)
    text = _text(case, kind)[:300]
    if kind in TO_RESIDENT:
        if case.reporter_id:
            Notification.objects.create(case=case, user_id=case.reporter_id, kind=kind, text=text)
        if case.contact_phone:
            sms.send(case.contact_phone, text)
        return
    unit_id = unit_id or case.unit_id
    Notification.objects.create(case=case, unit_id=unit_id, kind=kind, text=text)
    if kind is Event.EMERGENCY:
        _alert(case, unit_id, text)
    elif not (kind is Event.ASSIGNED and case.emergency):  # the emergency alert texts them
        officer = officers_on_duty([unit_id]).get(unit_id)
        if officer is not None and officer.phone:
            sms.send(officer.phone, text)


def police_room_unit(area_code: str) -> int | None:
    """The unit of the police room serving the case's micro-grid: the room intake routes police
    matters to (``places.locate`` takes the lowest room id where several serve one area)."""
    return (
        PoliceRoom.objects.filter(micro_grids__code=area_code)
        .order_by("id")
        .values_list("unit_id", flat=True)
        .first()
    )


def _alert(case: Case, unit_id: int, text: str) -> None:
    """An emergency: the duty officers of the handling unit and of the police room covering the
    place (a non-police category handled by, say, a community committee still alerts the room),
    each in the app and by SMS."""
    units = [unit_id]
    room_unit = police_room_unit(case.area_code)
    if room_unit is not None and room_unit != unit_id:
        Notification.objects.create(case=case, unit_id=room_unit, kind=Event.EMERGENCY, text=text)
        units.append(room_unit)
    on_duty = officers_on_duty(units)
    for officer in {o.pk: o for o in on_duty.values()}.values():
        Notification.objects.create(case=case, user=officer, kind=Event.EMERGENCY, text=text)
        if officer.phone:
            sms.send(officer.phone, text)
