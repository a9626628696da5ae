"""Eight copies of one notice and the expiry sweep, all at once: the order is paid (or
paid-late) exactly once, and every copy is answered `success`.

Real transactions, one connection per thread. PostgreSQL only: SQLite's shared-cache
in-memory test database refuses a second writer at once instead of waiting (a file database in
WAL mode waits through busy_timeout)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from linli.core.audit import AuditKind
from linli.core.models import AuditEvent
from linli.payments import actions
from linli.payments.tests.conftest import later, new_order, notice_params, signed_body

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs concurrent writers (PostgreSQL)"
)


@pytest.mark.django_db(transaction=True)
def test_copies_of_a_notice_racing_the_expiry_sweep_pay_the_order_once(
    localpay, provider_key, resident
):
    order = new_order(resident)
    body = signed_body(notice_params(order), provider_key)
    barrier = threading.Barrier(9)
    results: list[actions.NoticeResult] = []
    crashed: list[BaseException] = []

    def run(work) -> None:
        barrier.wait()
        try:
            work()
        except BaseException as exc:  # any exception fails the test
            crashed.append(exc)
        finally:
            connection.close()

    def notify() -> None:
        results.append(actions.handle_notification("localpay", {}, body))

    def sweep() -> None:
        actions.expire_orders(later(20))

    threads = [threading.Thread(target=run, args=(notify,)) for _ in range(8)]
    threads.append(threading.Thread(target=run, args=(sweep,)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert crashed == []
    assert all(result.accepted for result in results)
    outcomes = [str(result.outcome) for result in results]
    paying = [outcome for outcome in outcomes if outcome != "duplicate"]
    # One copy pays: "accepted" when it beat the sweep, "late" when the sweep expired it first.
    assert (
        outcomes.count("duplicate") == 7 and len(paying) == 1 and paying[0] in {"accepted", "late"}
    )
    received = AuditEvent.objects.filter(
        object_id=str(order.pk),
        kind__in=[AuditKind.PAYMENT_RECEIVED, AuditKind.PAYMENT_RECEIVED_LATE],
    )
    assert received.count() == 1
