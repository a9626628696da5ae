from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HallConfig(AppConfig):
    name = "linli.hall"
    label = "hall"
    verbose_name = _("Online service hall")

    def ready(self) -> None:
        from linli.core.worker import register_sweep
        from linli.hall import calendar_gap
        from linli.hall.applications import PURPOSE, mark_overdue, warn_due
        from linli.payments.purposes import register_purpose

        register_sweep(calendar_gap.SWEEP, calendar_gap.fill_deadlines)
        register_sweep("hall.warn", warn_due)
        register_sweep("hall.overdue", mark_overdue)
        register_purpose(PURPOSE, "hall:application")
