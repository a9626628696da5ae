"""A text the day before each booking, sent by a task after claiming it (so once only)."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from linli.booking.models import Booking
from linli.people import sms


def queue_reminders(now: datetime) -> int:
    """Claim tomorrow's unreminded bookings and enqueue one text each."""
    tomorrow = timezone.localtime(now).date() + timedelta(days=1)
    due = Booking.objects.filter(
        status=Booking.Status.BOOKED, reminded_at__isnull=True, slot__date=tomorrow
    ).values_list("pk", flat=True)
    claimed = 0
    for pk in list(due[:500]):
        if Booking.objects.filter(pk=pk, reminded_at__isnull=True).update(reminded_at=now):
            claimed += 1
            transaction.on_commit(partial(send_reminder.enqueue, pk))
    return claimed


@task()
def send_reminder(booking_id: int) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        booking = (
            Booking.objects.select_related("slot__point", "person").filter(pk=booking_id).first()
        )
        if booking is None or booking.status != Booking.Status.BOOKED or not booking.person.phone:
            return
        start = timezone.localtime(booking.slot.starts_at)
        text = _("Reminder: your appointment %(ref)s at %(point)s is tomorrow at %(time)s.") % {
            "ref": booking.reference,
            "point": booking.slot.point.name,
            "time": start.strftime("%H:%M"),
        }
        sms.send(booking.person.phone, text)
