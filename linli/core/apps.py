from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "linli.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from linli.core import checks  # noqa: F401 - registers the system checks
        from linli.core.models import CalendarYear, Holiday
        from linli.core.ratelimit import purge
        from linli.core.worker import register_sweep

        register_sweep("core.rate_windows", purge)

        # Not audit (the actions write that): only the in-process copy of the calendar, which
        # must not outlive a change however it was made (admin, shell, a script).
        for model in (Holiday, CalendarYear):
            uid = f"linli.core.workdays.{model.__name__}"
            post_save.connect(_forget_calendar, sender=model, dispatch_uid=f"{uid}.save")
            post_delete.connect(_forget_calendar, sender=model, dispatch_uid=f"{uid}.delete")


def _forget_calendar(**kwargs: object) -> None:
    from linli.core import workdays

    workdays.clear_cache()
