"""Payment orders for fees (amounts in fen), their refunds, and the log of every notification
a provider sent us. An order refers to what it pays for by a (kind, reference) pair, so any app
can charge a fee without a foreign key here."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from linli.core.access import scope_prefixes, scope_q

ORDER_NUMBER = re.compile(r"^[A-Z0-9]{1,32}$")


class OrderQuerySet(models.QuerySet["PaymentOrder"]):
    def visible_to(self, user: Any) -> OrderQuerySet:
        """The payer's own orders, and staff's orders within their jurisdiction."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if scope_prefixes(user) is None:  # administrators, commanders: everything
            return self.all()
        return self.filter(Q(payer_id=user.pk) | (~Q(area_code="") & scope_q(user, "area_code")))

    def numbered(self, out_trade_no: str) -> OrderQuerySet:
        """The order with this number; none for text that cannot be one (a NUL byte would
        be a database error on PostgreSQL, not a 404)."""
        if not ORDER_NUMBER.match(out_trade_no):
            return self.none()
        return self.filter(out_trade_no=out_trade_no)


class PaymentOrder(models.Model):
    class Status(models.TextChoices):
        CREATED = "created", _("awaiting payment")
        PAID = "paid", _("paid")
        EXPIRED = "expired", _("expired")
        CLOSED = "closed", _("closed")
        # Money arrived after the order had expired or was closed: it is owed back.
        LATE_PAID = "late_paid", _("paid too late, to be refunded")
        PARTIALLY_REFUNDED = "partially_refunded", _("partially refunded")
        REFUNDED = "refunded", _("refunded")

    ALLOWED: dict[str, set[str]] = {
        Status.CREATED: {Status.PAID, Status.EXPIRED, Status.CLOSED},
        Status.EXPIRED: {Status.LATE_PAID},
        Status.CLOSED: {Status.LATE_PAID},
        Status.PAID: {Status.PARTIALLY_REFUNDED, Status.REFUNDED},
        Status.PARTIALLY_REFUNDED: {Status.PARTIALLY_REFUNDED, Status.REFUNDED},
        Status.LATE_PAID: {Status.PARTIALLY_REFUNDED, Status.REFUNDED},
        Status.REFUNDED: set(),
    }
    # Orders whose money the provider holds for us (and may be refunded).
    MONEY_RECEIVED = (Status.PAID, Status.LATE_PAID, Status.PARTIALLY_REFUNDED)

    out_trade_no = models.CharField(_("order number"), max_length=32, unique=True)
    subject = models.CharField(_("subject"), max_length=128)
    amount_fen = models.PositiveIntegerField(_("amount (fen)"))
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("payer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payment_orders",
    )
    purpose_kind = models.CharField(_("purpose"), max_length=32)
    purpose_reference = models.CharField(_("purpose reference"), max_length=64)
    # Area of the unit that charges the fee, for staff jurisdiction (blank: payer only).
    area_code = models.CharField(_("area code"), max_length=32, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.CREATED
    )
    provider = models.CharField(_("provider"), max_length=32)
    provider_trade_no = models.CharField(_("provider transaction id"), max_length=64, blank=True)
    pay_url = models.URLField(_("payment page"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    refunded_fen = models.PositiveIntegerField(_("refunded (fen)"), default=0)

    objects = OrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment order")
        verbose_name_plural = _("payment orders")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["purpose_kind", "purpose_reference"], name="payorder_purpose"),
            # The expiry sweep: "status = 'created' AND expires_at <= now".
            models.Index(
                fields=["expires_at"],
                condition=Q(status="created"),
                name="payorder_open_expiry",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="payorder_amount_positive"),
            models.CheckConstraint(
                condition=Q(refunded_fen__lte=F("amount_fen")), name="payorder_refund_not_over"
            ),
        ]

    def __str__(self) -> str:
        return self.out_trade_no

    @property
    def amount_yuan(self) -> str:
        return f"{self.amount_fen // 100}.{self.amount_fen % 100:02d}"

    @property
    def refundable_fen(self) -> int:
        return self.amount_fen - self.refunded_fen if self.status in self.MONEY_RECEIVED else 0


class PaymentRefund(models.Model):
    """One refund request. Reserved before the provider is asked, so two refunds at once can
    never give back more than was paid; ``request_no`` makes a retry the same refund."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    order = models.ForeignKey(PaymentOrder, on_delete=models.PROTECT, related_name="refunds")
    request_no = models.CharField(_("refund number"), max_length=32, unique=True)
    amount_fen = models.PositiveIntegerField(_("amount (fen)"))
    reason = models.CharField(_("reason"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    provider_refund_id = models.CharField(_("provider refund id"), max_length=64, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="payrefund_amount_positive")
        ]

    def __str__(self) -> str:
        return self.request_no


class PaymentNotice(models.Model):
    """Every notification received, genuine or not, exactly as it came (for audit)."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", _("accepted: order paid")
        DUPLICATE = "duplicate", _("duplicate: already recorded")
        LATE = "late", _("paid after expiry: refund due")
        BAD_SIGNATURE = "bad_signature", _("refused: bad signature")
        MALFORMED = "malformed", _("refused: unreadable")
        STALE = "stale", _("refused: too old")
        UNKNOWN_ORDER = "unknown_order", _("refused: unknown order")
        MISMATCH = "mismatch", _("refused: amount or currency differs")
        IGNORED = "ignored", _("ignored: not a payment")

    provider = models.CharField(_("provider"), max_length=32)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    raw_body = models.TextField(_("raw body"))
    signature_valid = models.BooleanField(_("signature valid"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    notify_id = models.CharField(_("notification id"), max_length=64, blank=True)
    order = models.ForeignKey(
        PaymentOrder,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notices",
    )

    class Meta:
        verbose_name = _("payment notification")
        verbose_name_plural = _("payment notifications")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.provider} {self.notify_id or '-'} {self.outcome}"
