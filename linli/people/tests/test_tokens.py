"""Personal API tokens: shown once, stored hashed, sent as a bearer token, revocable."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from linli.people import actions
from linli.people.models import ApiToken

pytestmark = pytest.mark.django_db


def me(client, token):
    return client.get("/api/v1/people/me", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_a_token_is_stored_only_as_a_digest_and_answers_who_am_i(client, resident):
    new = actions.create_api_token(resident, actor=resident, name="my app")
    assert new.token.startswith("lnl_")
    row = ApiToken.objects.get()
    assert new.token not in (row.digest, row.prefix) and row.prefix == new.token[:12]

    response = me(client, new.token)
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "resident"
    assert body["name"] == "李*" and body["phone"] == "138****0001"
    assert body["roles"] == [
        {
            "role": "resident",
            "unit_code": "330499001001-committee",
            "unit_name": "330499001001-committee",
        }
    ]
    assert ApiToken.objects.get().last_used_at is not None


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Bearer lnl_nope",
        "Basic dXNlcjpwYXNz",
        "Bearer " + "x" * 5000,
    ],
)
def test_missing_or_unknown_tokens_get_401_with_a_message(client, header):
    kwargs = {} if header is None else {"HTTP_AUTHORIZATION": header}
    response = client.get("/api/v1/people/me", **kwargs)
    assert response.status_code == 401
    assert response.json()["message"]


def test_a_revoked_or_expired_token_no_longer_works(client, resident):
    revoked = actions.create_api_token(resident, actor=resident, name="old")
    actions.revoke_api_token(revoked.record, actor=resident)
    assert me(client, revoked.token).status_code == 401

    expiring = actions.create_api_token(resident, actor=resident, name="short", days=1)
    ApiToken.objects.filter(pk=expiring.record.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert me(client, expiring.token).status_code == 401


def test_a_deactivated_user_s_token_no_longer_works(client, resident):
    new = actions.create_api_token(resident, actor=resident, name="app")
    resident.is_active = False
    resident.save()
    assert me(client, new.token).status_code == 401


def test_the_account_page_creates_a_token_shows_it_once_and_revokes_it(client, resident):
    client.force_login(resident)
    response = client.post("/accounts/tokens/", {"name": "phone app", "days": "30"}, follow=True)
    token = re.search(r'id="new-token">(lnl_[^<]+)<', response.content.decode()).group(1)
    assert me(client, token).status_code == 200
    assert "new-token" not in client.get("/accounts/").content.decode()  # shown once

    row = ApiToken.objects.get()
    client.post(f"/accounts/tokens/{row.pk}/revoke/")
    assert me(client, token).status_code == 401


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"name": ""},
        {"name": "x" * 101},
        {"name": "ok", "days": "-1"},
        {"name": "ok", "days": "lots"},
    ],
)
def test_garbage_on_the_token_form_creates_nothing_and_says_why(client, resident, data):
    client.force_login(resident)
    response = client.post("/accounts/tokens/", data, follow=True)
    assert response.status_code == 200
    assert not ApiToken.objects.exists()
    assert "message-error" in response.content.decode() or "errorlist" in response.content.decode()


def test_someone_else_s_token_cannot_be_revoked(client, resident, room_officer):
    theirs = actions.create_api_token(room_officer, actor=room_officer, name="theirs")
    client.force_login(resident)
    client.post(f"/accounts/tokens/{theirs.record.pk}/revoke/")
    assert ApiToken.objects.get(pk=theirs.record.pk).revoked_at is None


def test_the_create_token_command_prints_a_working_token(client, room_officer):
    out = io.StringIO()
    call_command("create_token", "officer", "--name", "ci", stdout=out)
    token = out.getvalue().strip()
    assert me(client, token).json()["username"] == "officer"
    with pytest.raises(CommandError, match="no user"):
        call_command("create_token", "nobody")


def test_api_errors_are_in_chinese_by_default_and_in_english_on_request(client):
    assert client.get("/api/v1/people/me").json()["message"] == "需要登录或提供接口令牌。"
    english = client.get("/api/v1/people/me", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["message"] == "Authentication required."
