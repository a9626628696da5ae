"""What Linli needs from a payment provider. An adapter speaks one provider's documented
protocol; ``localpay`` speaks ours to the local provider (docs/payments.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from linli.payments.models import PaymentOrder


class ProviderError(Exception):
    """The provider could not be reached, or answered with an error or an unsigned reply.
    ``code`` is the provider's error code when it gave one."""

    def __init__(self, message: str, *, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class NoticeRefused(Exception):
    """A notification that must not be acted on. ``outcome`` is a PaymentNotice.Outcome."""

    def __init__(self, outcome: str, detail: str, *, signature_valid: bool = False) -> None:
        super().__init__(detail)
        self.outcome, self.detail, self.signature_valid = outcome, detail, signature_valid


class TradeStatus:
    """The provider's view of a trade, in our words."""

    WAITING = "waiting"  # created, not paid yet
    PAID = "paid"
    CLOSED = "closed"  # expired or cancelled at the provider: it will never be paid
    UNKNOWN = "unknown"  # the provider has never heard of it


@dataclass(frozen=True)
class Notice:
    """A verified asynchronous notification: the provider says this trade was paid."""

    notify_id: str
    out_trade_no: str
    trade_no: str
    status: str  # TradeStatus
    amount_fen: int
    currency: str
    paid_at: datetime | None
    sent_at: datetime


@dataclass(frozen=True)
class Trade:
    """A verified answer to a query."""

    out_trade_no: str
    trade_no: str
    status: str  # TradeStatus
    amount_fen: int
    refunded_fen: int
    paid_at: datetime | None


class Provider(Protocol):
    name: str

    def create_order(self, order: PaymentOrder) -> str:
        """Register the order with the provider; the URL the payer is sent to."""
        ...

    def verify_notification(self, headers: Mapping[str, str], body: bytes) -> Notice:
        """The notice in ``body``; NoticeRefused(signature / malformed) when it is not genuine."""
        ...

    def query(self, order: PaymentOrder) -> Trade:
        """The provider's current view of the trade."""
        ...

    def refund(self, order: PaymentOrder, amount_fen: int, reason: str, request_no: str) -> str:
        """Refund part or all of a paid trade; the provider's refund id. The same
        ``request_no`` sent twice is one refund (safe to retry)."""
        ...
