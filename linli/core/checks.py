"""System checks: warn administrators before the calendar runs out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Warning, register
from django.db import DatabaseError
from django.utils import timezone
from django.utils.translation import gettext as _


def next_calendar_year_warnings(today: date) -> list[CheckMessage]:
    """In November and December, warn when next year's holidays are not entered yet."""
    if today.month < 11:
        return []
    from linli.core.models import CalendarYear

    next_year = today.year + 1
    try:
        entered = CalendarYear.objects.filter(year=next_year).exists()
    except DatabaseError:
        return []  # not migrated yet: nothing to warn about
    if entered:
        return []
    return [
        Warning(
            _("The holidays of %(year)s have not been entered.") % {"year": next_year},
            hint=_(
                "Cases and applications whose deadline reaches into %(year)s are kept without "
                "one until then. When the State Council "
                "publishes the %(year)s holiday arrangement, enter it in the admin (Core › "
                "Holidays and adjusted workdays, then Calendar years), or run "
                "`linli manage seed_calendar` after upgrading chinese-calendar."
            )
            % {"year": next_year},
            id="linli.core.W001",
        )
    ]


@register()
def check_next_calendar_year(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    return next_calendar_year_warnings(timezone.localdate())
