"""Give every request an id and the client's real address, for audit rows and rate limits.

Behind a reverse proxy listed in LINLI_TRUSTED_PROXIES, the client address is the last hop the
proxy appended to X-Forwarded-For, and REMOTE_ADDR is rewritten to it so that everything
downstream (audit, rate limits) sees the resident, not nginx.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware

from linli.core.audit import RequestContext, current_request

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-Id", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        remote = request.META.get("REMOTE_ADDR")
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded and remote in settings.LINLI_TRUSTED_PROXIES:
            remote = forwarded.split(",")[-1].strip() or remote
            request.META["REMOTE_ADDR"] = remote
        token = current_request.set(RequestContext(request_id=request_id, ip=remote))
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        response["X-Request-Id"] = request_id
        return response


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Pages are in Simplified Chinese unless the person switched language (the cookie set by
    the switch); a browser's Accept-Language does not decide it — shared terminals in police
    rooms and street offices often run English-language systems. API clients (/api/,
    /open311/) may still ask for English messages with Accept-Language."""

    def process_request(self, request: HttpRequest) -> None:
        if not request.path.startswith(("/api/", "/open311/")):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        super().process_request(request)
