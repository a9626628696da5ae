from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "linli.payments"
    label = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from linli.core.worker import register_sweep
        from linli.payments.actions import expire_orders, settle_refunds

        register_sweep("payments.expire", expire_orders)
        register_sweep("payments.refunds", settle_refunds)
