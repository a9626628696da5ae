from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingConfig(AppConfig):
    name = "linli.booking"
    label = "booking"
    verbose_name = _("Appointments")

    def ready(self) -> None:
        from linli.booking.queue import expire_late
        from linli.booking.reminders import queue_reminders
        from linli.core.worker import register_sweep

        register_sweep("booking.remind", queue_reminders)
        register_sweep("booking.expire_tickets", expire_late)
