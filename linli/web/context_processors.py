from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def linli(request: HttpRequest) -> dict[str, Any]:
    return {
        "LINLI_DEMO": settings.DEMO,
        "LINLI_TOTP_WAIVED": not settings.LINLI_REQUIRE_TOTP,
        "LINLI_MAP_TILES": settings.LINLI_MAP_TILES,
    }
