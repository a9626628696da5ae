"""Sending text messages through a provider interface.

The backend is chosen by ``LINLI_SMS_BACKEND``. ``OutboxBackend`` (the default) sends nothing:
it writes each message to the ``SmsMessage`` outbox, which administrators read in the admin —
the local stand-in for a gateway on a network without one. A gateway adapter implements
``SmsBackend.send`` and returns the provider's message id.
"""

from __future__ import annotations

from functools import cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from linli.people.models import SmsMessage


class SmsBackend(Protocol):
    name: str

    def send(self, phone: str, text: str) -> str:
        """Hand one message to the provider; return its message id."""
        ...


class OutboxBackend:
    name = "outbox"

    def send(self, phone: str, text: str) -> str:
        message = SmsMessage.objects.create(
            phone=phone, body=text, backend=self.name, status=SmsMessage.Status.SENT
        )
        return f"outbox-{message.pk}"


@cache
def backend() -> SmsBackend:
    backend_class = import_string(settings.LINLI_SMS_BACKEND)
    instance: SmsBackend = backend_class()
    return instance


def send(phone: str, text: str) -> str:
    """Send ``text`` to ``phone`` (E.164 or a Chinese mobile number)."""
    return backend().send(phone, text[:500])
