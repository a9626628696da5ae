"""Staff sign in with a password and a TOTP code; residents with their mobile and a texted code.
Both are rate-limited, and garbage gets a message, never a 500."""

from __future__ import annotations

import re
from base64 import b32decode

import pytest
from django.core.cache import cache
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from linli.core.audit import AuditKind
from linli.core.models import AuditEvent
from linli.people import actions
from linli.people.models import LoginCode, SmsMessage, User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()


@pytest.fixture
def totp_required(settings):
    settings.LINLI_REQUIRE_TOTP = True


def sign_in(client, username, password="a-long-password-1"):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_an_officer_enrols_an_authenticator_and_then_signs_in_with_its_codes(
    client, room_officer, totp_required
):
    response = sign_in(client, "officer")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/totp/"
    page = client.get("/accounts/login/totp/")
    assert b"<svg" in page.content
    secret = b32decode(re.search(rb'id="totp-secret">([A-Z2-7=]+)<', page.content).group(1))

    wrong = client.post("/accounts/login/totp/", {"code": f"{(totp(secret) + 1) % 10**6:06d}"})
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    device = TOTPDevice.objects.get(user=room_officer)
    device.throttling_failure_timestamp = None  # django-otp waits a second after a miss
    device.throttling_failure_count = 0
    device.save()

    done = client.post("/accounts/login/totp/", {"code": f"{totp(secret):06d}"})
    assert done.status_code == 302
    assert client.session["_auth_user_id"] == str(room_officer.pk)
    assert TOTPDevice.objects.get(user=room_officer).confirmed
    assert AuditEvent.objects.filter(kind=AuditKind.TOTP_DEVICE_ADDED, actor=room_officer).exists()

    client.logout()
    assert sign_in(client, "officer")["Location"] == "/accounts/login/totp/"
    again = client.get("/accounts/login/totp/")
    assert b"<svg" not in again.content  # enrolled: only the code is asked for


def test_a_password_alone_does_not_sign_staff_in_when_totp_is_required(
    client, room_officer, totp_required
):
    sign_in(client, "officer")
    assert "_auth_user_id" not in client.session
    assert client.get("/accounts/").status_code == 302


def test_the_admin_needs_a_verified_second_factor(client, totp_required):
    admin = User.objects.create_superuser("root", password="x-long-password-1")
    client.force_login(admin)  # a session without OTP verification
    assert client.get("/admin/").status_code == 302


def test_a_wrong_password_is_refused_and_audited(client, room_officer):
    response = sign_in(client, "officer", "not-the-password")
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(kind=AuditKind.LOGIN_FAILED, note="officer").exists()


def test_sign_in_attempts_are_rate_limited(client, room_officer, settings):
    settings.LINLI_LOGIN_RATE = "3/15m"
    statuses = [sign_in(client, "officer", "wrong").status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3:] == [429, 429]
    # Chinese by default, whatever language the browser prefers.
    assert (
        "尝试次数过多"
        in client.post(
            "/accounts/login/",
            {"username": "officer", "password": "x"},
            HTTP_ACCEPT_LANGUAGE="en-US",
        ).content.decode()
    )
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # what the language switch sets
    english = client.post("/accounts/login/", {"username": "officer", "password": "x"})
    assert "Too many attempts" in english.content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"username": "", "password": ""},
        {"username": "x" * 10_000, "password": "y" * 10_000},
        {"username": "\x00\ud7ff💥", "password": "\u202e"},
        {"username": ["a", "b"], "password": "c"},
    ],
)
def test_garbage_on_the_staff_sign_in_form_gets_a_message(client, data, room_officer):
    response = client.post("/accounts/login/", data)
    assert response.status_code == 200
    assert b"errorlist" in response.content


def texted_code() -> str:
    body = SmsMessage.objects.order_by("-id").first().body
    return re.search(r"\d{6}", body).group(0)


def test_a_resident_signs_in_with_a_code_texted_to_their_phone(
    client, resident, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/resident/", {"phone": "138 0000 0001"})
    assert response.status_code == 302
    message = SmsMessage.objects.get()
    assert message.phone == "+8613800000001"
    assert LoginCode.objects.get().digest != texted_code()  # only a keyed digest is stored

    done = client.post(
        "/accounts/resident/verify/", {"phone": "13800000001", "code": texted_code()}
    )
    assert done.status_code == 302
    assert client.session["_auth_user_id"] == str(resident.pk)
    # The code works once.
    client.logout()
    again = client.post(
        "/accounts/resident/verify/", {"phone": "13800000001", "code": texted_code()}
    )
    assert again.status_code == 200 and "_auth_user_id" not in client.session


def test_a_new_phone_number_gets_a_new_resident_account(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/resident/", {"phone": "13912345678"})
    client.post("/accounts/resident/verify/", {"phone": "13912345678", "code": texted_code()})
    user = User.objects.get(pk=client.session["_auth_user_id"])
    assert user.phone == "+8613912345678" and not user.has_usable_password()


def test_wrong_codes_are_refused_and_the_code_dies_after_five_misses(
    resident, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        actions.send_login_code("13800000001")
    right = texted_code()
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    for _ in range(5):
        with pytest.raises(actions.PeopleError, match="not right"):
            actions.verify_login_code("13800000001", wrong)
    with pytest.raises(actions.PeopleError, match="expired"):
        actions.verify_login_code("13800000001", right)


def test_an_expired_code_is_refused(resident, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        actions.send_login_code("13800000001")
    LoginCode.objects.update(expires_at="2020-01-01T00:00:00Z")
    with pytest.raises(actions.PeopleError, match="expired"):
        actions.verify_login_code("13800000001", texted_code())


def test_code_requests_are_rate_limited_per_phone(client, resident, settings):
    settings.LINLI_CODE_RATE = "2/h"
    statuses = [
        client.post("/accounts/resident/", {"phone": "13800000001"}).status_code for _ in range(3)
    ]
    assert statuses == [302, 302, 429]


@pytest.mark.parametrize(
    "phone", ["", "12345", "0571-87654321", "x" * 5000, "13800000001💥", "<b>13800000001</b>"]
)
def test_garbage_phone_numbers_get_a_message_and_no_code(client, phone):
    response = client.post("/accounts/resident/", {"phone": phone})
    assert response.status_code == 200
    assert b"errorlist" in response.content
    assert not LoginCode.objects.exists() and not SmsMessage.objects.exists()


@pytest.mark.parametrize("code", ["", "abcdef", "1234567", "12 34", "💥💥💥💥💥💥"])
def test_garbage_codes_get_a_message(client, resident, code):
    response = client.post("/accounts/resident/verify/", {"phone": "13800000001", "code": code})
    assert response.status_code == 200 and b"errorlist" in response.content
    assert "_auth_user_id" not in client.session
