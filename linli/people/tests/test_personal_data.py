"""Personal data is encrypted at rest, masked on screen, found by blind index, and every read of
it in full is audited. A dump of the database holds no phone or ID number in plain text."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from linli.core.audit import AuditKind
from linli.core.models import AuditEvent
from linli.people import actions
from linli.people.coverage import coverage_gaps
from linli.people.models import SmsMessage, User

pytestmark = pytest.mark.django_db

PHONE = "13800000001"
ID_NUMBER = "33049919900101123X"
NAME = "李四"


def every_stored_value() -> list[str]:
    """Every value of every column of every table, as text, read with plain SQL."""
    values: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")
            for row in cursor.fetchall():
                values.extend(
                    bytes(v).decode("latin-1") if isinstance(v, bytes | memoryview) else str(v)
                    for v in row
                )
    return values


def test_no_phone_or_id_number_is_stored_in_plain_text(
    resident, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        actions.send_login_code(PHONE)  # the SMS outbox holds the phone too
    assert SmsMessage.objects.exists()

    raw = "\n".join(every_stored_value())
    if connection.vendor == "sqlite":  # the SQL dump an operator would take, too
        raw += "\n".join(connection.connection.iterdump())
    assert "resident" in raw  # the scan does see the users table (usernames are plain)
    for secret in (PHONE, ID_NUMBER, NAME, ID_NUMBER[6:14] + "123"):
        assert secret not in raw
    # …while the application reads them back.
    user = User.objects.get(pk=resident.pk)
    assert (user.phone, user.id_number, user.full_name) == ("+86" + PHONE, ID_NUMBER, NAME)


def test_a_user_is_found_by_phone_through_the_blind_index(resident):
    assert actions.find_by_phone("+86" + PHONE) == resident
    assert actions.find_by_phone("+8613800000002") is None


def test_two_accounts_cannot_share_a_phone(resident):
    with pytest.raises(actions.PeopleError, match="phone"):
        actions.create_user("twin", actor=None, phone=PHONE)


@pytest.mark.parametrize(
    ("field", "value"),
    [("phone", "123"), ("id_number", "33049919900101123"), ("id_number", "330499199002301234")],
)
def test_bad_personal_data_is_refused_naming_the_field(field, value, units):
    with pytest.raises(actions.PeopleError) as caught:
        actions.create_user("someone", actor=None, **{field: value})
    assert caught.value.field == field
    assert not User.objects.filter(username="someone").exists()


def test_the_account_page_shows_personal_data_masked(client, resident):
    client.force_login(resident)
    page = client.get("/accounts/").content.decode()
    assert "138****0001" in page and "330499********123X" in page and "李*" in page
    assert PHONE not in page and ID_NUMBER not in page and NAME not in page


def test_revealing_personal_data_writes_one_audit_event_per_read(resident, administrator):
    for _ in range(2):
        values = actions.reveal_personal_data(
            resident, actor=administrator, fields=["phone", "id_number"], reason="case 42"
        )
    assert values == {"phone": "+86" + PHONE, "id_number": ID_NUMBER}
    events = AuditEvent.objects.filter(kind=AuditKind.PERSONAL_DATA_READ, actor=administrator)
    assert events.count() == 2
    assert events.first().note == "case 42"
    assert ID_NUMBER not in str(events.first().after)


@pytest.mark.parametrize(
    ("fields", "reason"), [([], "x"), (["password"], "x"), (["phone"], ""), (["phone"], "   ")]
)
def test_a_reveal_without_reason_or_with_other_fields_is_refused(resident, fields, reason):
    with pytest.raises(actions.PeopleError):
        actions.reveal_personal_data(resident, actor=None, fields=fields, reason=reason)
    assert not AuditEvent.objects.filter(kind=AuditKind.PERSONAL_DATA_READ).exists()


def test_a_changed_phone_is_audited_without_its_value(resident):
    actions.update_personal_data(resident, actor=resident, phone="13900000009")
    event = AuditEvent.objects.filter(kind=AuditKind.USER_CHANGED).latest("id")
    assert event.after == {"fields": ["phone", "phone_index"]}
    assert "13900000009" not in str(event.after) + event.note
    assert actions.find_by_phone("13900000009") is None  # not normalised: no match
    assert actions.find_by_phone("+8613900000009") == resident


def test_the_sms_outbox_is_readable_in_admin_with_phones_masked(
    client, resident, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        actions.send_login_code(PHONE)
    admin = User.objects.create_superuser("root", password="x-long-password-1")
    client.force_login(admin)
    page = client.get("/admin/people/smsmessage/").content.decode()
    assert "138****0001" in page and PHONE not in page


# --- the duty roster -------------------------------------------------------------------------

EVERY_DAY_9_TO_12 = {day: [["09:00", "12:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def local(day: date, hour: int):
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def test_coverage_lists_every_opening_hour_with_nobody_on_duty(units, room_officer):
    monday = date(2026, 11, 23)
    actions.set_shift(units["room"], room_officer, local(monday, 9), local(monday, 11), actor=None)
    gaps = coverage_gaps(units["room"], monday, monday + timedelta(days=1), EVERY_DAY_9_TO_12)
    assert [timezone.localtime(g).strftime("%a %H:%M") for g in gaps] == [
        "Mon 11:00",
        "Tue 09:00",
        "Tue 10:00",
        "Tue 11:00",
    ]


def test_a_backup_shift_fills_a_gap_and_a_shift_must_end_after_it_starts(units, room_officer):
    monday = date(2026, 11, 23)
    actions.set_shift(
        units["room"], room_officer, local(monday, 8), local(monday, 13), actor=None, post="backup"
    )
    assert coverage_gaps(units["room"], monday, monday, EVERY_DAY_9_TO_12) == []
    with pytest.raises(actions.PeopleError):
        actions.set_shift(
            units["room"], room_officer, local(monday, 9), local(monday, 9), actor=None
        )
