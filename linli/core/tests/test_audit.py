"""The audit log: written with the request's id and address, readable but untouchable in admin."""

from __future__ import annotations

from datetime import date

import pytest
from django.http import HttpRequest, JsonResponse
from django.urls import path

from linli.core import workdays
from linli.core.audit import AuditKind, record
from linli.core.models import AuditEvent, CalendarYear, Holiday
from linli.people.models import User

pytestmark = pytest.mark.django_db


def _record_something(request: HttpRequest) -> JsonResponse:
    event = record(AuditKind.HOLIDAY_CHANGED, actor=request.user, note="from a view")
    return JsonResponse({"id": event.pk})


# A test-only URL conf: this module (see pytest.mark.urls below).
urlpatterns = [path("audit-probe/", _record_something)]


@pytest.fixture
def administrator() -> User:
    return User.objects.create_superuser(username="admin", password="a long test password")


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    workdays.clear_cache()
    yield
    workdays.clear_cache()


@pytest.mark.urls(__name__)
def test_an_event_recorded_during_a_request_carries_its_request_id_and_client_address(client):
    response = client.get(
        "/audit-probe/", HTTP_X_REQUEST_ID="req-0123456789", REMOTE_ADDR="203.0.113.7"
    )
    event = AuditEvent.objects.get(pk=response.json()["id"])
    assert event.request_id == "req-0123456789"
    assert response["X-Request-Id"] == "req-0123456789"
    assert event.ip == "203.0.113.7"


@pytest.mark.urls(__name__)
def test_behind_a_trusted_proxy_the_event_carries_the_forwarded_client_address(client, settings):
    settings.LINLI_TRUSTED_PROXIES = ["127.0.0.1"]
    response = client.get(
        "/audit-probe/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.20"
    )
    event = AuditEvent.objects.get(pk=response.json()["id"])
    assert event.ip == "198.51.100.20"
    assert len(event.request_id) == 32  # generated: none was sent
    assert event.request_id == response["X-Request-Id"]


@pytest.mark.urls(__name__)
def test_an_unsafe_request_id_is_replaced(client):
    response = client.get("/audit-probe/", HTTP_X_REQUEST_ID="<script>")
    event = AuditEvent.objects.get(pk=response.json()["id"])
    assert event.request_id != "<script>"
    assert event.request_id == response["X-Request-Id"]


def test_an_administrator_lists_audit_events_by_kind_name_and_finds_one_by_request_id(
    admin_client,
):
    AuditEvent.objects.all().delete()  # e.g. the seeding migration's event
    AuditEvent.objects.create(kind=AuditKind.LOGIN_FAILED, object_id="42", request_id="abc123")
    AuditEvent.objects.create(kind=AuditKind.TOKEN_CREATED, object_id="7", request_id="zzz999")
    page = admin_client.get("/admin/core/auditevent/")
    assert page.status_code == 200
    assert listed(page) == ["TOKEN_CREATED", "LOGIN_FAILED"]
    assert b'<td class="field-kind_name">TOKEN_CREATED</td>' in page.content

    assert listed(admin_client.get("/admin/core/auditevent/", {"q": "abc123"})) == ["LOGIN_FAILED"]
    assert listed(admin_client.get("/admin/core/auditevent/", {"q": "7"})) == ["TOKEN_CREATED"]
    by_kind = admin_client.get("/admin/core/auditevent/", {"kind": int(AuditKind.LOGIN_FAILED)})
    assert listed(by_kind) == ["LOGIN_FAILED"]


def listed(page) -> list[str]:
    return [AuditKind(event.kind).name for event in page.context["cl"].result_list]


def test_an_administrator_can_read_an_audit_event_but_not_add_change_or_delete_one(admin_client):
    event = AuditEvent.objects.create(kind=AuditKind.LOGIN_FAILED, note="original")
    detail = admin_client.get(f"/admin/core/auditevent/{event.pk}/change/")
    assert detail.status_code == 200
    assert b"original" in detail.content
    assert b'name="_save"' not in detail.content

    changed = admin_client.post(
        f"/admin/core/auditevent/{event.pk}/change/", {"note": "rewritten", "kind": 1}
    )
    assert changed.status_code == 403
    assert admin_client.get(f"/admin/core/auditevent/{event.pk}/delete/").status_code == 403
    deleted = admin_client.post(f"/admin/core/auditevent/{event.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 403
    assert admin_client.get("/admin/core/auditevent/add/").status_code == 403
    bulk = admin_client.post(
        "/admin/core/auditevent/", {"action": "delete_selected", "_selected_action": [event.pk]}
    )
    assert bulk.status_code in (200, 302)  # no such action: the list is shown again
    assert AuditEvent.objects.get(pk=event.pk).note == "original"


def test_an_administrator_enters_a_new_year_in_admin_and_each_change_is_audited(
    admin_client, administrator, calendar_ends_2026
):
    added = admin_client.post(
        "/admin/core/holiday/add/", {"date": "2027-01-01", "kind": "holiday", "name": "元旦"}
    )
    assert added.status_code == 302
    holiday = Holiday.objects.get(date=date(2027, 1, 1))
    event = AuditEvent.objects.get(kind=AuditKind.HOLIDAY_CHANGED, object_id=str(holiday.pk))
    assert event.actor == administrator
    assert event.after == {"date": "2027-01-01", "kind": "holiday", "name": "元旦"}

    with pytest.raises(workdays.CalendarYearMissing):
        workdays.is_working_day(date(2027, 1, 4))
    marked = admin_client.post(
        "/admin/core/holiday/",
        {"action": "mark_years_entered", "_selected_action": [holiday.pk]},
    )
    assert marked.status_code == 302
    assert CalendarYear.objects.filter(year=2027).exists()
    assert workdays.is_working_day(date(2027, 1, 4))
    assert not workdays.is_working_day(date(2027, 1, 1))

    admin_client.post(f"/admin/core/holiday/{holiday.pk}/delete/", {"post": "yes"})
    assert not Holiday.objects.filter(pk=holiday.pk).exists()
    notes = list(
        AuditEvent.objects.filter(kind=AuditKind.HOLIDAY_CHANGED).values_list("note", flat=True)
    )
    assert sorted(notes) == ["", "deleted", "year entered"]


def test_an_administrator_sees_how_many_dates_each_year_lists(admin_client):
    page = admin_client.get("/admin/core/calendaryear/")
    assert page.status_code == 200
    assert b"2026" in page.content
    assert admin_client.get("/admin/core/holiday/", {"year": "2025"}).status_code == 200


@pytest.mark.django_db
def test_garbage_with_nul_characters_is_stored_without_them():
    from linli.core.audit import AuditKind, record

    event = record(AuditKind.LOGIN_FAILED, actor=None, note="ad\x00min", after={"k\x00": ["v\x00"]})
    event.refresh_from_db()
    assert "\x00" not in event.note and event.note.startswith("ad")
    assert event.after == {"k\N{REPLACEMENT CHARACTER}": ["v\N{REPLACEMENT CHARACTER}"]}
