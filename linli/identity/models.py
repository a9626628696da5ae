from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.core.access import scope_prefixes, scope_q


class UsedEidCode(models.Model):
    """An e-ID code that has been verified once. The primary key is the code's id (jti): the
    insert of a second verification fails on it, so "single use" holds however many officers
    scan the same code at the same moment."""

    jti = models.CharField(_("code id"), max_length=64, primary_key=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), auto_now_add=True)
    verifier = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("used e-ID code")
        verbose_name_plural = _("used e-ID codes")

    def __str__(self) -> str:
        return self.jti


class ConsultationQuerySet(models.QuerySet["Consultation"]):
    def visible_to(self, user: Any) -> ConsultationQuerySet:
        """A resident sees their own; staff see those addressed to units in their jurisdiction."""
        prefixes = scope_prefixes(user)
        if prefixes is None:
            return self.all()
        own = models.Q(resident_id=getattr(user, "pk", None))
        if not prefixes:
            return self.filter(own)
        return self.filter(own | scope_q(user, "unit__area_code"))


class Consultation(models.Model):
    """A resident's question to a police room, or to a named officer of it (在线交流)."""

    class Status(models.TextChoices):
        OPEN = "open", _("awaiting reply")
        ANSWERED = "answered", _("answered")
        CLOSED = "closed", _("closed")

    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resident"),
        on_delete=models.CASCADE,  # a resident's questions go with their account
        related_name="questions_asked",
    )
    unit = models.ForeignKey(
        "people.Unit",
        verbose_name=_("police room"),
        on_delete=models.PROTECT,
        related_name="consultations",
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("officer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="questions_addressed",
    )
    subject = models.CharField(_("subject"), max_length=100)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    first_reply_at = models.DateTimeField(_("first reply at"), null=True, blank=True)

    objects = ConsultationQuerySet.as_manager()

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["-created_at", "-id"]
        # Serves a room's list: unit = ? ORDER BY created_at DESC.
        indexes = [models.Index(fields=["unit", "-created_at"], name="consultation_unit_recent")]

    def __str__(self) -> str:
        return self.subject

    @property
    def response_time(self) -> timedelta | None:
        """First staff reply minus creation (None until someone answers)."""
        if self.first_reply_at is None:
            return None
        return self.first_reply_at - self.created_at

    @property
    def response_minutes(self) -> int | None:
        response = self.response_time
        return None if response is None else max(1, round(response.total_seconds() / 60))


class ConsultationMessage(models.Model):
    consultation = models.ForeignKey(
        Consultation,
        verbose_name=_("consultation"),
        on_delete=models.CASCADE,
        related_name="messages",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    from_staff = models.BooleanField(_("from staff"), default=False)
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("consultation message")
        verbose_name_plural = _("consultation messages")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.consultation_id} {self.created_at:%Y-%m-%d %H:%M}"
