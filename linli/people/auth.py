"""API authentication: personal tokens (``Authorization: Bearer …``) or the browser session."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from linli.people.actions import token_digest
from linli.people.models import ApiToken, User


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        row = (
            ApiToken.objects.select_related("user")
            .filter(digest=token_digest(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        now = timezone.now()
        if row is None or (row.expires_at and row.expires_at <= now):
            return None
        if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        return row.user


class SessionUnlessToken(SessionAuth):
    """The browser session, but not for a request that presents a bearer token: a revoked or
    mistyped token is a 401 even from a browser that is signed in."""

    def __call__(self, request: HttpRequest) -> Any:
        # Only a signed-in session authenticates (and is then held to the CSRF check); an
        # anonymous browser is simply not authenticated here, never a CSRF failure.
        if request.META.get("HTTP_AUTHORIZATION") or not request.user.is_authenticated:
            return None
        return super().__call__(request)


def session_or_token() -> list[Any]:
    return [BearerToken(), SessionUnlessToken()]
