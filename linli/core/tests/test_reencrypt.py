"""Key rotation: `linli manage reencrypt` moves every encrypted value to the newest key."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db.models import TextField
from django.db.models.functions import Cast

from linli.core import crypto
from linli.core.actions import encrypted_fields
from linli.core.audit import AuditKind
from linli.core.models import AuditEvent
from linli.people.models import User

pytestmark = pytest.mark.django_db

OLD = "k1:old-data-key-0123456789abcdef"
NEW = "k2:new-data-key-fedcba9876543210"


@pytest.fixture
def data_key(settings):
    def use(raw: str) -> None:
        settings.DATA_KEY = raw
        crypto.keyring.cache_clear()

    yield use
    crypto.keyring.cache_clear()  # the settings fixture restores DATA_KEY after this


def stored(user: User, column: str) -> str:
    return User.objects.filter(pk=user.pk).values_list(Cast(column, TextField()), flat=True)[0]


def test_every_encrypted_column_of_every_app_is_found():
    found = {f"{model._meta.label}.{f.name}" for model, cols in encrypted_fields() for f in cols}
    assert {"people.User.full_name", "people.User.phone", "people.User.id_number"} <= found


def test_values_under_an_old_key_are_rewritten_under_the_new_one_and_still_decrypt(data_key):
    data_key(OLD)
    users = [
        User.objects.create_user(
            username=f"resident{i}", full_name=f"张三{i}", phone=f"1381234567{i}", id_number=""
        )
        for i in range(5)
    ]
    assert stored(users[0], "phone").startswith("k1$")

    data_key(f"{NEW},{OLD}")
    fresh = User.objects.create_user(username="already-new", phone="13900000000")
    call_command("reencrypt", "--batch-size", "2")

    for i, user in enumerate(users):
        assert stored(user, "phone").startswith("k2$")
        assert stored(user, "full_name").startswith("k2$")
        assert stored(user, "id_number") == ""
        again = User.objects.get(pk=user.pk)
        assert (again.full_name, again.phone) == (f"张三{i}", f"1381234567{i}")
    assert User.objects.get(pk=fresh.pk).phone == "13900000000"

    data_key(NEW)  # the old key can go: nothing needs it any more
    assert User.objects.get(pk=users[3].pk).phone == "13812345673"

    event = AuditEvent.objects.get(kind=AuditKind.DATA_REENCRYPTED)
    assert event.after["primary_key_id"] == "k2"
    assert event.after["models"]["people.User"] == {"scanned": 6, "rewritten": 5}


def test_running_it_twice_rewrites_nothing_the_second_time(data_key):
    data_key(OLD)
    User.objects.create_user(username="resident", phone="13812345678")
    data_key(f"{NEW},{OLD}")
    call_command("reencrypt")
    call_command("reencrypt")
    last = AuditEvent.objects.filter(kind=AuditKind.DATA_REENCRYPTED).first()
    assert last is not None
    assert last.after["models"]["people.User"] == {"scanned": 1, "rewritten": 0}
