from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "linli.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from linli.cases.actions import calendar_gap, escalate_due, warn_due
        from linli.core.worker import register_sweep

        register_sweep(calendar_gap.SWEEP, calendar_gap.fill_deadlines)
        register_sweep("cases.warn", warn_due)
        register_sweep("cases.escalate", escalate_due)

        from django.db.models.signals import m2m_changed, post_delete, post_save

        from linli.cases.models import Category, RoutingRule
        from linli.people.models import Unit
        from linli.places.models import TrafficSquad

        # routing keeps these in memory: any change in this process drops the copy at once
        for model in (Category, RoutingRule, Unit, TrafficSquad):
            uid = f"linli.cases.routing.{model.__name__}"
            post_save.connect(_forget_routing, sender=model, dispatch_uid=f"{uid}.save")
            post_delete.connect(_forget_routing, sender=model, dispatch_uid=f"{uid}.delete")
        squad_areas = TrafficSquad.areas.through
        m2m_changed.connect(_forget_routing, sender=squad_areas, dispatch_uid="linli.cases.m2m")


def _forget_routing(**kwargs: object) -> None:
    from django.db import transaction

    from linli.cases import routing

    routing.forget()
    transaction.on_commit(routing.forget)  # and again once the change is visible to a reload
