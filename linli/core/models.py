from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """Who did what to which object, when, from where. Never edited, never deleted by the app."""

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.PositiveSmallIntegerField(_("kind"), db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "at"])]

    def __str__(self) -> str:
        from linli.core.audit import AuditKind

        try:
            label = AuditKind(self.kind).name
        except ValueError:
            label = str(self.kind)
        return f"{self.at:%Y-%m-%d %H:%M} {label} {self.object_repr}"


class Holiday(models.Model):
    """A date that differs from the plain Monday–Friday week: a statutory holiday, or an
    adjusted workday (调休上班) on a weekend. Weekend days inside a holiday block may be listed
    as holidays too (chinese_calendar lists them; it changes nothing). Dates not listed follow
    the weekday rule, but only within years that are marked complete in ``CalendarYear``."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("holiday")
        WORKDAY = "workday", _("adjusted workday")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("holiday or adjusted workday")
        verbose_name_plural = _("holidays and adjusted workdays")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"


class CalendarYear(models.Model):
    """A year whose holidays have been entered in full. Deadlines that reach into a year not
    listed here are refused: guessing would silently give wrong due dates."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    entered_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class RateCounter(models.Model):
    """One fixed window of one rate limit (see ``linli.core.ratelimit``). Counted with a single
    upsert; the worker deletes windows that have ended."""

    key = models.CharField(max_length=80, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("rate-limit window")
        verbose_name_plural = _("rate-limit windows")

    def __str__(self) -> str:
        return f"{self.key} = {self.count}"
