from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "linli.identity"
    label = "identity"
    verbose_name = _("Identity and consultation")

    def ready(self) -> None:
        from linli.core.worker import register_sweep
        from linli.identity import checks  # noqa: F401  (registers the system check)
        from linli.identity.actions import forget_used_codes

        register_sweep("identity.forget_used_codes", forget_used_codes)
