"""`check --deploy` fails when the e-ID signing key is missing or malformed."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@checks.register(checks.Tags.security, deploy=True)
def eid_key_is_set(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from linli.identity.eid import load_private_key

    try:
        load_private_key(settings.EID_KEY)
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="identity.E001")]
    return []
