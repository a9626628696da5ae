"""A real LocalPay process per test session (its own port, keys and books), and helpers to
forge or replay notifications the way an attacker or a misbehaving provider would."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from linli.payments import actions, signing
from linli.payments.models import PaymentOrder
from linli.people.models import User

RETRY_DELAYS = "0,0.3,0.6,1,2,3"


@pytest.fixture(scope="session")
def localpay_process():
    # Its own directory, not pytest's numbered tmp (other pytest runs on the machine prune those).
    var = Path(tempfile.mkdtemp(prefix="linli-localpay-"))
    errors = (var / "stderr.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "linli.payments.localpay", "--port", "0", "--memory",
         "--var-dir", str(var), "--retry-delays", RETRY_DELAYS],
        stdout=subprocess.PIPE,
        stderr=errors,
        text=True,
    )  # fmt: skip
    try:
        line = process.stdout.readline()
        assert "listening on" in line, (line, (var / "stderr.log").read_text())
        url = line.split("listening on ", 1)[1].strip().rstrip("/")
        yield url, var
    finally:
        process.terminate()
        process.wait(timeout=10)
        errors.close()
        shutil.rmtree(var, ignore_errors=True)


@pytest.fixture
def localpay(localpay_process, settings):
    """Linli configured for the session's LocalPay; notices go nowhere unless a test says."""
    url, var = localpay_process
    settings.LINLI_LOCALPAY_URL = url
    settings.LINLI_PAYMENT_KEY = str(var / "payments" / "merchant_key.pem")
    settings.LINLI_LOCALPAY_PUBLIC_KEY = str(var / "localpay" / "provider_key.pub.pem")
    settings.LINLI_PAYMENT_CALLBACK_BASE = "http://127.0.0.1:9"  # the discard port
    return url, var


@pytest.fixture
def provider_key(localpay):
    return signing.load_private_key(localpay[1] / "localpay" / "provider_key.pem")


@pytest.fixture
def resident(db) -> User:
    return User.objects.create(username="payer1", phone="13900000001", full_name="居民甲")


def new_order(payer: User, amount_fen: int = 2000, **extra) -> PaymentOrder:
    return actions.create_order(
        subject="居住证工本费",
        amount_fen=amount_fen,
        purpose_kind="hall.application",
        purpose_reference="A2026000001",
        payer=payer,
        actor=payer,
        **extra,
    )


def notice_params(order: PaymentOrder, **changes: str) -> dict[str, str]:
    params = {
        "notify_id": "n" + order.out_trade_no,
        "notify_type": "trade_status_sync",
        "notify_time": timezone.localtime().isoformat(timespec="seconds"),
        "app_id": "linli-demo",
        "out_trade_no": order.out_trade_no,
        "trade_no": "T" + order.out_trade_no,
        "trade_status": "TRADE_SUCCESS",
        "total_fen": str(order.amount_fen),
        "currency": "CNY",
        "gmt_payment": timezone.localtime().isoformat(timespec="seconds"),
    }
    return {**params, **changes}


def signed_body(params: dict[str, str], key) -> bytes:
    return urlencode(signing.signed(params, key)).encode()


def submit(url: str, form: dict[str, str]) -> tuple[int, str]:
    """POST a form without following a redirect: (status, Location or body)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, data=urlencode(form).encode())
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Location", "")


def wait_for(predicate, seconds: float = 10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


def later(minutes: int) -> datetime:
    return timezone.now() + timedelta(minutes=minutes)
