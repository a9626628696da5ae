"""Payment providers by name (``LINLI_PAYMENT_PROVIDER``)."""

from __future__ import annotations

from django.utils.module_loading import import_string

from linli.payments.providers.base import Provider

PROVIDERS = {"localpay": "linli.payments.providers.localpay.LocalPayProvider"}


def get_provider(name: str) -> Provider:
    """The provider called ``name``; KeyError when there is none."""
    provider: Provider = import_string(PROVIDERS[name])()
    return provider
