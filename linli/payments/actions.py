"""Every state change of payment orders: create, record a payment (from a notification or a
query), close, expire, refund. The provider is called outside database transactions; what it
says is applied under the order's row lock, so a notice, its retries and the expiry sweep
racing each other still pay an order exactly once."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.audit import AuditKind, record
from linli.payments.models import PaymentNotice, PaymentOrder, PaymentRefund
from linli.payments.providers import get_provider
from linli.payments.providers.base import Notice, NoticeRefused, ProviderError, TradeStatus

Status = PaymentOrder.Status
Outcome = PaymentNotice.Outcome
MAX_AMOUNT_FEN = 100_000_000  # one million yuan: no public-security fee comes near it
PURPOSE_KIND = re.compile(r"^[a-z][a-z0-9_.]{0,31}$")
# A notification is signed afresh for every attempt; an older one can only be a replay.
NOTICE_MAX_AGE = timedelta(minutes=15)
RAW_BODY_KEPT = 8192


class PaymentError(Exception):
    def __init__(self, message: str, *, field: str = "", status: int = 400) -> None:
        super().__init__(message)
        self.message, self.field, self.status = message, field, status


def _number(prefix: str) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    stamp = timezone.localtime().strftime("%Y%m%d%H%M%S")
    return prefix + stamp + "".join(secrets.choice(alphabet) for _ in range(8))


# --- create ----------------------------------------------------------------------------------


def _check_order(subject: str, amount_fen: Any, kind: str, reference: str) -> None:
    if not subject.strip() or len(subject) > 128:
        raise PaymentError(_("Give a subject of at most 128 characters."), field="subject")
    if type(amount_fen) is not int or not 0 < amount_fen <= MAX_AMOUNT_FEN:
        raise PaymentError(_("The amount must be a positive number of fen."), field="amount_fen")
    if not PURPOSE_KIND.match(kind):
        raise PaymentError(_("The purpose has the wrong format."), field="purpose_kind")
    if not reference.strip() or len(reference) > 64:
        raise PaymentError(_("Give a reference of at most 64 characters."), field="reference")


def create_order(
    *,
    subject: str,
    amount_fen: int,
    purpose_kind: str,
    purpose_reference: str,
    payer: Any,
    actor: Any,
    area_code: str = "",
    provider: str | None = None,
    now: datetime | None = None,
) -> PaymentOrder:
    """A new order registered with the provider; its ``pay_url`` is where the payer goes.

    When the provider cannot be reached the order is kept as closed (a late notice for it is
    then still recognised and refunded) and PaymentError(503) is raised."""
    _check_order(subject, amount_fen, purpose_kind, purpose_reference)
    now = now or timezone.now()
    name = provider or settings.LINLI_PAYMENT_PROVIDER
    adapter = get_provider(name)
    minutes = settings.LINLI_PAYMENT_EXPIRE_MINUTES
    with transaction.atomic():
        order = PaymentOrder.objects.create(
            out_trade_no=_number("P"),
            subject=subject.strip(),
            amount_fen=amount_fen,
            payer=payer,
            purpose_kind=purpose_kind,
            purpose_reference=purpose_reference.strip(),
            area_code=area_code,
            provider=name,
            expires_at=now + timedelta(minutes=minutes),
        )
        record(AuditKind.PAYMENT_ORDER_CREATED, actor=actor, obj=order, after=_snapshot(order))
    try:
        pay_url = adapter.create_order(order)
    except ProviderError as exc:
        with transaction.atomic():
            _close(order, actor=None, now=now)
        raise PaymentError(
            _("The payment service cannot be reached; please try again later."), status=503
        ) from exc
    PaymentOrder.objects.filter(pk=order.pk).update(pay_url=pay_url)
    order.pay_url = pay_url
    return order


def _check_move(order: PaymentOrder, new: str) -> None:
    """Refuse a change the status table (PaymentOrder.ALLOWED) does not list."""
    if new not in PaymentOrder.ALLOWED[order.status]:
        raise PaymentError(
            _("This order cannot change from %(old)s to %(new)s.")
            % {"old": order.get_status_display(), "new": Status(new).label},
            status=409,
        )


def _snapshot(order: PaymentOrder) -> dict[str, Any]:
    return {
        "status": order.status,
        "amount_fen": order.amount_fen,
        "refunded_fen": order.refunded_fen,
        "purpose": f"{order.purpose_kind}:{order.purpose_reference}",
        "provider_trade_no": order.provider_trade_no,
    }


# --- payments: notifications and queries -----------------------------------------------------


@dataclass
class NoticeResult:
    """``accepted``: answer the provider ``success`` (it stops sending this notice)."""

    accepted: bool
    outcome: str
    order: PaymentOrder | None = None


def _apply_payment(order: PaymentOrder, trade_no: str, paid_at: datetime) -> str:
    """Record that the provider took the money for ``order`` (locked by the caller)."""
    if order.status in (Status.CREATED, Status.EXPIRED, Status.CLOSED):
        new = Status.PAID if order.status == Status.CREATED else Status.LATE_PAID
        _check_move(order, new)
        before = _snapshot(order)
        updated = PaymentOrder.objects.filter(pk=order.pk, status=order.status).update(
            status=new, provider_trade_no=trade_no, paid_at=paid_at
        )
        if not updated:  # only reachable without the row lock (SQLite serialises writers)
            order.refresh_from_db()
            return _apply_payment(order, trade_no, paid_at)
        order.status, order.provider_trade_no, order.paid_at = new, trade_no, paid_at
        kind = AuditKind.PAYMENT_RECEIVED if new == Status.PAID else AuditKind.PAYMENT_RECEIVED_LATE
        record(kind, actor=None, obj=order, before=before, after=_snapshot(order))
        return Outcome.ACCEPTED if new == Status.PAID else Outcome.LATE
    if order.provider_trade_no == trade_no:
        return Outcome.DUPLICATE
    return Outcome.MISMATCH  # a second, different payment for one order: for a person to see


def _log(provider: str, body: bytes, outcome: str, **fields: Any) -> PaymentNotice:
    return PaymentNotice.objects.create(
        provider=provider[:32],
        raw_body=body[:RAW_BODY_KEPT].decode("utf-8", errors="replace").replace("\x00", "\ufffd"),
        outcome=outcome,
        **fields,
    )


def _check_notice(notice: Notice, order: PaymentOrder | None, now: datetime) -> None:
    if abs(now - notice.sent_at) > NOTICE_MAX_AGE:
        raise NoticeRefused(Outcome.STALE, "notify_time is too far from now", signature_valid=True)
    if order is None:
        raise NoticeRefused(Outcome.UNKNOWN_ORDER, "no such order", signature_valid=True)
    if notice.amount_fen != order.amount_fen or notice.currency != order.currency:
        detail = f"paid {notice.amount_fen} {notice.currency}, order is {order.amount_fen}"
        raise NoticeRefused(Outcome.MISMATCH, detail, signature_valid=True)


def handle_notification(
    provider: str, headers: Mapping[str, str], body: bytes, *, now: datetime | None = None
) -> NoticeResult:
    """Verify and apply one asynchronous notification; every one is logged, genuine or not.

    The same notice twice changes nothing and is accepted again. A forged, stale, unreadable
    notice, or one for an unknown order or with another amount, is refused."""
    now = now or timezone.now()
    adapter = get_provider(provider)
    try:
        notice = adapter.verify_notification(headers, body)
    except NoticeRefused as exc:
        _log(
            provider,
            body,
            exc.outcome,
            signature_valid=exc.signature_valid,
            detail=exc.detail[:200],
        )
        return NoticeResult(False, exc.outcome)
    with transaction.atomic():
        order = (
            PaymentOrder.objects.select_for_update()
            .filter(out_trade_no=notice.out_trade_no, provider=provider)
            .first()
        )
        logged = {"signature_valid": True, "notify_id": notice.notify_id[:64], "order": order}
        try:
            _check_notice(notice, order, now)
        except NoticeRefused as exc:
            _log(provider, body, exc.outcome, detail=exc.detail[:200], **logged)
            return NoticeResult(False, exc.outcome, order)
        assert order is not None
        if notice.status != TradeStatus.PAID:
            _log(provider, body, Outcome.IGNORED, detail=notice.status, **logged)
            return NoticeResult(True, Outcome.IGNORED, order)
        outcome = _apply_payment(order, notice.trade_no, notice.paid_at or now)
        _log(provider, body, outcome, **logged)
        return NoticeResult(outcome != Outcome.MISMATCH, outcome, order)


def sync_order(order: PaymentOrder, *, now: datetime | None = None) -> PaymentOrder:
    """Ask the provider about an order still awaiting payment (the notice may be late); apply
    a payment or a closure it reports. An unreachable provider changes nothing."""
    if order.status != Status.CREATED:
        return order
    now = now or timezone.now()
    try:
        trade = get_provider(order.provider).query(order)
    except ProviderError:
        return order
    with transaction.atomic():
        order = PaymentOrder.objects.select_for_update().get(pk=order.pk)
        if trade.status == TradeStatus.PAID and trade.amount_fen == order.amount_fen:
            _apply_payment(order, trade.trade_no, trade.paid_at or now)
        elif trade.status == TradeStatus.CLOSED and order.status == Status.CREATED:
            _close(order, actor=None, now=now)
    return order


# --- close and expire ------------------------------------------------------------------------


def _close(order: PaymentOrder, *, actor: Any, now: datetime) -> None:
    _check_move(order, Status.CLOSED)
    before = _snapshot(order)
    if PaymentOrder.objects.filter(pk=order.pk, status=Status.CREATED).update(
        status=Status.CLOSED, closed_at=now
    ):
        order.status, order.closed_at = Status.CLOSED, now
        record(
            AuditKind.PAYMENT_CLOSED, actor=actor, obj=order, before=before, after=_snapshot(order)
        )


def close_order(order: PaymentOrder, *, actor: Any, now: datetime | None = None) -> PaymentOrder:
    """The payer gives up an unpaid order (a payment arriving later is refunded)."""
    with transaction.atomic():
        order = PaymentOrder.objects.select_for_update().get(pk=order.pk)
        if order.status != Status.CREATED:
            raise PaymentError(_("Only an order awaiting payment can be closed."), status=409)
        _close(order, actor=actor, now=now or timezone.now())
    return order


def expire_orders(now: datetime) -> int:
    """Sweep: unpaid orders past ``expires_at`` become expired. Each is claimed with a
    conditional UPDATE, so a payment recorded a moment earlier (or another worker) wins."""
    due = PaymentOrder.objects.filter(status=Status.CREATED, expires_at__lte=now)
    expired = 0
    for pk, number in due.values_list("pk", "out_trade_no")[:500]:
        with transaction.atomic():
            if PaymentOrder.objects.filter(pk=pk, status=Status.CREATED).update(
                status=Status.EXPIRED, closed_at=now
            ):
                order = PaymentOrder(pk=pk, out_trade_no=number)
                record(
                    AuditKind.PAYMENT_EXPIRED,
                    actor=None,
                    obj=order,
                    before={"status": Status.CREATED},
                    after={"status": Status.EXPIRED},
                )
                expired += 1
    return expired


# --- refunds ---------------------------------------------------------------------------------


def _reserve_refund(order: PaymentOrder, amount_fen: Any, reason: str, actor: Any) -> PaymentRefund:
    with transaction.atomic():
        order = PaymentOrder.objects.select_for_update().get(pk=order.pk)
        if order.status not in PaymentOrder.MONEY_RECEIVED:
            raise PaymentError(_("This order has no payment to refund."), status=409)
        if type(amount_fen) is not int or amount_fen <= 0:
            raise PaymentError(
                _("The amount must be a positive number of fen."), field="amount_fen"
            )
        pending = order.refunds.filter(status=PaymentRefund.Status.PENDING)
        reserved = pending.aggregate(total=Sum("amount_fen"))["total"] or 0
        if amount_fen > order.refundable_fen - reserved:
            raise PaymentError(
                _("At most %(fen)s fen can be refunded.")
                % {"fen": order.refundable_fen - reserved},
                field="amount_fen",
            )
        return PaymentRefund.objects.create(
            order=order, request_no=_number("R"), amount_fen=amount_fen, reason=reason, actor=actor
        )


def _finish_refund(refund: PaymentRefund, provider_refund_id: str) -> None:
    with transaction.atomic():
        order = PaymentOrder.objects.select_for_update().get(pk=refund.order_id)
        if not PaymentRefund.objects.filter(
            pk=refund.pk, status=PaymentRefund.Status.PENDING
        ).update(status=PaymentRefund.Status.DONE, provider_refund_id=provider_refund_id):
            return  # another worker finished it
        before = _snapshot(order)
        order.refunded_fen += refund.amount_fen
        new = (
            Status.REFUNDED if order.refunded_fen == order.amount_fen else Status.PARTIALLY_REFUNDED
        )
        _check_move(order, new)
        order.status = new
        PaymentOrder.objects.filter(pk=order.pk).update(
            refunded_fen=F("refunded_fen") + refund.amount_fen, status=order.status
        )
        record(
            AuditKind.PAYMENT_REFUNDED,
            actor=refund.actor,
            obj=order,
            before=before,
            after={**_snapshot(order), "refund": refund.request_no},
            note=refund.reason,
        )


def _send_refund(refund: PaymentRefund) -> None:
    order = refund.order
    try:
        refund_id = get_provider(order.provider).refund(
            order, refund.amount_fen, refund.reason, refund.request_no
        )
    except ProviderError as exc:
        if exc.code:  # the provider answered and said no: the reservation is released
            PaymentRefund.objects.filter(pk=refund.pk, status=PaymentRefund.Status.PENDING).update(
                status=PaymentRefund.Status.FAILED
            )
            raise PaymentError(_("The payment service refused the refund."), status=502) from exc
        # No answer: the refund may or may not have happened. It stays pending and the
        # worker asks again with the same number, which the provider treats as one refund.
        raise PaymentError(
            _("The payment service did not answer; the refund will be retried."), status=503
        ) from exc
    _finish_refund(refund, refund_id)


def refund(order: PaymentOrder, *, amount_fen: int, reason: str, actor: Any) -> PaymentRefund:
    """Give back ``amount_fen`` of a paid order (all of it or part)."""
    reason = reason.strip()
    if not reason or len(reason) > 200:
        raise PaymentError(_("Give a reason of at most 200 characters."), field="reason")
    row = _reserve_refund(order, amount_fen, reason, actor)
    _send_refund(row)
    row.refresh_from_db()
    return row


def settle_refunds(now: datetime) -> int:
    """Sweep: pay back late payments, and ask again about refunds left without an answer."""
    handled = 0
    late = PaymentOrder.objects.filter(status=Status.LATE_PAID).exclude(
        refunds__status__in=[PaymentRefund.Status.PENDING, PaymentRefund.Status.FAILED]
    )  # a refused refund waits for a person
    for order in late[:50]:
        try:
            refund(
                order, amount_fen=order.refundable_fen, reason=_("Paid after expiry"), actor=None
            )
            handled += 1
        except PaymentError:
            pass
    stuck = PaymentRefund.objects.filter(
        status=PaymentRefund.Status.PENDING, created_at__lte=now - timedelta(minutes=1)
    ).select_related("order")
    for row in stuck[:50]:
        try:
            _send_refund(row)
            handled += 1
        except PaymentError:
            pass
    return handled
