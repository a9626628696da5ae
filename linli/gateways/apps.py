from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GatewaysConfig(AppConfig):
    """Outside protocols spoken by Linli: Open311 GeoReport v2, the WeChat official account."""

    name = "linli.gateways"
    label = "gateways"
    verbose_name = _("Gateways")

    def ready(self) -> None:
        from linli.core.worker import register_sweep
        from linli.gateways.wechat_actions import forget_expired

        register_sweep("gateways.wechat", forget_expired)
