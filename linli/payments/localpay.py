"""LocalPay: a small payment provider that speaks Linli's signed gateway protocol
(docs/payments.md) over HTTP, for demos and tests where no real provider can be reached.

    python -m linli.payments.localpay [--port 8011] [--var-dir var] [--retry-delays 0,15,60]
    linli localpay …

It is a program of its own, with no Django: a WSGI app on the standard library's server, its
state in SQLite (``<var>/localpay/localpay.sqlite3``, or memory with ``--memory``) and its
own RSA key (``<var>/localpay/provider_key.pem``, made on first start, public half beside it).
It knows merchants by ``app_id`` and their public keys (``--merchant ID=PATH``; by default
Linli's ``linli-demo`` key in ``<var>/payments/``). The pay page is the provider's own screen,
so it speaks only Chinese, like the providers it stands for.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import secrets
import sqlite3
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qsl, urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from cryptography.hazmat.primitives.asymmetric import rsa

from linli.payments import signing

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
Environ = dict[str, Any]
DEFAULT_DELAYS: tuple[float, ...] = (
    0,
    15,
    60,
    180,
    600,
    1800,
    3600,
    7200,
    21600,
    54000,
)  # about 25 hours
CLOCK_SKEW = timedelta(minutes=10)

SCHEMA = """
create table if not exists trades (
  trade_no text primary key, app_id text not null, out_trade_no text not null,
  subject text not null, total_fen integer not null, currency text not null,
  notify_url text not null, return_url text not null, time_expire text not null,
  status text not null, gmt_payment text not null default '',
  refunded_fen integer not null default 0,
  unique (app_id, out_trade_no));
create table if not exists refunds (
  refund_id text primary key, app_id text not null, out_request_no text not null,
  trade_no text not null, refund_fen integer not null, reason text not null,
  unique (app_id, out_request_no));
create table if not exists notices (
  notify_id text primary key, trade_no text not null, status text not null,
  attempts integer not null default 0, next_at real not null,
  last_answer text not null default '');
create table if not exists nonces (
  app_id text, nonce text, seen_at real, primary key (app_id, nonce));
"""


def now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone().isoformat(timespec="seconds")


class Refused(Exception):
    def __init__(self, code: str, msg: str, status: int = 400) -> None:
        super().__init__(msg)
        self.code, self.msg, self.status = code, msg, status


class Store:
    """The provider's books, one SQLite connection behind a lock (a few requests a second)."""

    def __init__(self, path: str) -> None:
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.lock = threading.RLock()
        with self.lock:
            self.db.executescript(SCHEMA)

    def one(self, sql: str, *args: Any) -> sqlite3.Row | None:
        with self.lock:
            row: sqlite3.Row | None = self.db.execute(sql, args).fetchone()
            return row

    def all(self, sql: str, *args: Any) -> list[sqlite3.Row]:
        with self.lock:
            return self.db.execute(sql, args).fetchall()

    def run(self, sql: str, *args: Any) -> int:
        with self.lock:
            return self.db.execute(sql, args).rowcount


class LocalPay:
    def __init__(
        self,
        *,
        store: Store,
        key: rsa.RSAPrivateKey,
        merchants: dict[str, Path],
        public_url: str,
        delays: tuple[float, ...] = DEFAULT_DELAYS,
    ) -> None:
        self.store, self.key, self.merchants = store, key, merchants
        self.public_url, self.delays = public_url.rstrip("/"), delays
        self.wake = threading.Event()
        self.stopping = threading.Event()

    # --- WSGI ------------------------------------------------------------------------------

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        routes = {
            "/gateway/orders": self.create_order,
            "/gateway/query": self.query,
            "/gateway/refund": self.refund,
        }
        try:
            if method == "POST" and path in routes:
                params = self.verified_request(environ)
                return self.json(start_response, 200, {"code": "SUCCESS", **routes[path](params)})
            if path.startswith("/pay/") and method in ("GET", "POST"):
                return self.pay_page(environ, start_response, path.removeprefix("/pay/"))
            raise Refused("NOT_FOUND", "no such endpoint", 404)
        except Refused as exc:
            return self.json(start_response, exc.status, {"code": exc.code, "msg": exc.msg})

    def json(self, start_response: StartResponse, status: int, body: dict[str, str]) -> list[bytes]:
        data = json.dumps(signing.signed(body, self.key), ensure_ascii=False).encode()
        start_response(f"{status} {HTTPStatus(status).phrase}", [
            ("Content-Type", "application/json; charset=utf-8"),
            ("Content-Length", str(len(data))),
        ])  # fmt: skip
        return [data]

    @staticmethod
    def read_body(environ: Environ) -> bytes:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > signing.MAX_BODY:
            raise Refused("INVALID_REQUEST", "body too large", 413)
        body: bytes = environ["wsgi.input"].read(length) if length > 0 else b""
        return body

    def verified_request(self, environ: Environ) -> dict[str, str]:
        try:
            params = signing.parse_form(self.read_body(environ))
        except signing.MalformedMessage as exc:
            raise Refused("INVALID_REQUEST", str(exc)) from None
        key_path = self.merchants.get(params.get("app_id", ""))
        if key_path is None:
            raise Refused("INVALID_APP_ID", "unknown app_id")
        try:
            signing.verify(params, signing.load_public_key(key_path))
        except (signing.SignatureError, OSError, ValueError) as exc:
            raise Refused("INVALID_SIGNATURE", str(exc)) from None
        try:
            sent = datetime.fromisoformat(params.get("timestamp", ""))
            if sent.tzinfo is None or abs(now() - sent) > CLOCK_SKEW:
                raise ValueError
        except ValueError:
            raise Refused("INVALID_TIMESTAMP", "timestamp missing, without offset or off") from None
        try:  # a captured request replayed within the clock window is refused too
            self.store.run(
                "insert into nonces values (?, ?, ?)",
                params["app_id"],
                params["nonce"],
                time.time(),
            )
        except (KeyError, sqlite3.IntegrityError):
            raise Refused("INVALID_NONCE", "nonce missing or already used") from None
        self.store.run("delete from nonces where seen_at < ?", time.time() - 3600)
        return params

    # --- gateway ---------------------------------------------------------------------------

    def create_order(self, p: dict[str, str]) -> dict[str, str]:
        need = ["out_trade_no", "subject", "total_fen", "currency", "notify_url", "return_url"]
        if missing := [name for name in [*need, "time_expire"] if not p.get(name)]:
            raise Refused("MISSING_PARAMETER", ",".join(missing))
        if not p["total_fen"].isdigit() or int(p["total_fen"]) <= 0:
            raise Refused("INVALID_PARAMETER", "total_fen")
        if p["currency"] != "CNY":
            raise Refused("INVALID_PARAMETER", "currency")
        try:
            datetime.fromisoformat(p["time_expire"])
        except ValueError:
            raise Refused("INVALID_PARAMETER", "time_expire") from None
        trade = self.trade(p["app_id"], p["out_trade_no"])
        if trade is None:
            trade_no = now().strftime("%Y%m%d") + secrets.token_hex(8)
            values = [p[name] for name in need]
            self.store.run(
                "insert or ignore into trades (trade_no, app_id, out_trade_no, subject, total_fen,"
                " currency, notify_url, return_url, time_expire, status)"
                " values (?, ?, ?, ?, ?, ?, ?, ?, ?, 'WAIT_BUYER_PAY')",
                trade_no, p["app_id"], *values, p["time_expire"],
            )  # fmt: skip
            trade = self.trade(p["app_id"], p["out_trade_no"])
            assert trade is not None
        elif str(trade["total_fen"]) != p["total_fen"] or trade["subject"] != p["subject"]:
            raise Refused("ORDER_CONFLICT", "out_trade_no was used for another order")
        return {
            "out_trade_no": trade["out_trade_no"],
            "trade_no": trade["trade_no"],
            "pay_url": f"{self.public_url}/pay/{trade['trade_no']}",
        }

    def trade(self, app_id: str, out_trade_no: str) -> sqlite3.Row | None:
        row = self.store.one(
            "select * from trades where app_id = ? and out_trade_no = ?", app_id, out_trade_no
        )
        return self.close_if_expired(row)

    def close_if_expired(self, row: sqlite3.Row | None) -> sqlite3.Row | None:
        if row is None or row["status"] != "WAIT_BUYER_PAY":
            return row
        if datetime.fromisoformat(row["time_expire"]) > now():
            return row
        self.store.run(
            "update trades set status = 'TRADE_CLOSED' where trade_no = ? and status = ?",
            row["trade_no"], "WAIT_BUYER_PAY",
        )  # fmt: skip
        return self.store.one("select * from trades where trade_no = ?", row["trade_no"])

    def query(self, p: dict[str, str]) -> dict[str, str]:
        trade = self.trade(p["app_id"], p.get("out_trade_no", ""))
        if trade is None:
            raise Refused("TRADE_NOT_EXIST", "no such trade")
        return {
            "out_trade_no": trade["out_trade_no"],
            "trade_no": trade["trade_no"],
            "trade_status": trade["status"],
            "total_fen": str(trade["total_fen"]),
            "refunded_fen": str(trade["refunded_fen"]),
            "gmt_payment": trade["gmt_payment"],
        }

    def refund(self, p: dict[str, str]) -> dict[str, str]:
        trade = self.trade(p["app_id"], p.get("out_trade_no", ""))
        if trade is None:
            raise Refused("TRADE_NOT_EXIST", "no such trade")
        amount = p.get("refund_fen", "")
        request_no = p.get("out_request_no", "")
        if not amount.isdigit() or int(amount) <= 0 or not request_no:
            raise Refused("INVALID_PARAMETER", "refund_fen and out_request_no are needed")
        with self.store.lock:  # one refund decision at a time
            done = self.store.one(
                "select * from refunds where app_id = ? and out_request_no = ?",
                p["app_id"], request_no,
            )  # fmt: skip
            if done is not None:  # the same request again: the same refund
                if done["refund_fen"] != int(amount) or done["trade_no"] != trade["trade_no"]:
                    raise Refused("REQUEST_CONFLICT", "out_request_no was used for another refund")
                refund_id = done["refund_id"]
            else:
                refund_id = self.new_refund(p, trade["trade_no"], int(amount), request_no)
            trade = self.trade(p["app_id"], p["out_trade_no"])
            assert trade is not None
        return {
            "refund_id": refund_id,
            "refund_fen": amount,
            "refunded_fen": str(trade["refunded_fen"]),
        }

    def new_refund(self, p: dict[str, str], trade_no: str, amount: int, request_no: str) -> str:
        trade = self.store.one("select * from trades where trade_no = ?", trade_no)
        assert trade is not None
        if trade["status"] != "TRADE_SUCCESS":
            raise Refused("TRADE_STATUS_ERROR", "the trade is not paid")
        if trade["refunded_fen"] + amount > trade["total_fen"]:
            raise Refused("REFUND_AMOUNT_EXCEEDED", "more than was paid")
        refund_id = "RF" + secrets.token_hex(8)
        self.store.run(
            "insert into refunds values (?, ?, ?, ?, ?, ?)",
            refund_id, p["app_id"], request_no, trade_no, amount, p.get("refund_reason", ""),
        )  # fmt: skip
        self.store.run(
            "update trades set refunded_fen = refunded_fen + ? where trade_no = ?", amount, trade_no
        )
        return refund_id

    # --- the payer's page ------------------------------------------------------------------

    def pay_page(
        self, environ: Environ, start_response: StartResponse, trade_no: str
    ) -> list[bytes]:
        row = self.store.one("select * from trades where trade_no = ?", trade_no)
        trade = self.close_if_expired(row)
        if trade is None:
            return self.html(start_response, 404, "<h1>订单不存在</h1>")
        if environ["REQUEST_METHOD"] == "POST":
            form = dict(parse_qsl(self.read_body(environ).decode("utf-8", "replace")))
            if form.get("action") in ("pay", "cancel") and trade["status"] == "WAIT_BUYER_PAY":
                self.pay(trade) if form["action"] == "pay" else self.cancel(trade)
                back = urlencode({"out_trade_no": trade["out_trade_no"], "trade_no": trade_no})
                start_response("303 See Other", [("Location", f"{trade['return_url']}?{back}")])
                return []
        return self.html(start_response, 200, self.page_body(trade))

    @staticmethod
    def page_body(trade: sqlite3.Row) -> str:
        amount = f"{trade['total_fen'] // 100}.{trade['total_fen'] % 100:02d}"
        head = (
            f"<h1>本地支付收银台</h1><p>{html.escape(trade['subject'])}</p>"
            f"<p class='amount'>¥{amount}</p><p>订单号：{html.escape(trade['out_trade_no'])}</p>"
        )
        if trade["status"] != "WAIT_BUYER_PAY":
            state = {"TRADE_SUCCESS": "已支付", "TRADE_CLOSED": "订单已关闭"}[trade["status"]]
            return head + f"<p id='state'>{state}</p>"
        return head + (
            "<form method='post'><button name='action' value='pay' id='pay'>确认支付</button> "
            "<button name='action' value='cancel' id='cancel'>取消</button></form>"
        )

    @staticmethod
    def html(start_response: StartResponse, status: int, body: str) -> list[bytes]:
        page = (
            "<!doctype html><html lang='zh-CN'><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width'><title>本地支付</title>"
            "<body style='font-family:sans-serif;max-width:30em;margin:2em auto'>"
            f"{body}</body></html>"
        ).encode()
        start_response(f"{status} {HTTPStatus(status).phrase}", [
            ("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(page))),
        ])  # fmt: skip
        return [page]

    def pay(self, trade: sqlite3.Row) -> None:
        if self.store.run(
            "update trades set status = 'TRADE_SUCCESS', gmt_payment = ?"
            " where trade_no = ? and status = 'WAIT_BUYER_PAY'",
            iso(now()), trade["trade_no"],
        ):  # fmt: skip
            self.store.run(
                "insert into notices (notify_id, trade_no, status, next_at) values (?, ?, ?, ?)",
                secrets.token_hex(16), trade["trade_no"], "pending", time.time(),
            )  # fmt: skip
            self.wake.set()

    def cancel(self, trade: sqlite3.Row) -> None:
        self.store.run(
            "update trades set status = 'TRADE_CLOSED' where trade_no = ? and status = ?",
            trade["trade_no"], "WAIT_BUYER_PAY",
        )  # fmt: skip

    # --- asynchronous notifications --------------------------------------------------------

    def notify_forever(self) -> None:
        while not self.stopping.is_set():
            for notice in self.store.all(
                "select * from notices where status = 'pending' and next_at <= ?", time.time()
            ):
                self.deliver(notice)
            self.wake.wait(0.2)
            self.wake.clear()

    def deliver(self, notice: sqlite3.Row) -> None:
        trade = self.store.one("select * from trades where trade_no = ?", notice["trade_no"])
        assert trade is not None
        params = {
            "notify_id": notice["notify_id"],
            "notify_type": "trade_status_sync",
            "notify_time": iso(now()),  # signed afresh on every attempt
            "app_id": trade["app_id"],
            "out_trade_no": trade["out_trade_no"],
            "trade_no": trade["trade_no"],
            "trade_status": "TRADE_SUCCESS",
            "total_fen": str(trade["total_fen"]),
            "currency": trade["currency"],
            "gmt_payment": trade["gmt_payment"],
        }
        answer = post(trade["notify_url"], urlencode(signing.signed(params, self.key)).encode())
        attempts = notice["attempts"] + 1
        if answer.strip() == "success":
            status, next_at = "done", 0.0
        elif attempts < len(self.delays):
            status, next_at = "pending", time.time() + self.delays[attempts]
        else:
            status, next_at = "gave_up", 0.0
        self.store.run(
            "update notices set status = ?, attempts = ?, next_at = ?, last_answer = ?"
            " where notify_id = ?",
            status, attempts, next_at, answer[:200], notice["notify_id"],
        )  # fmt: skip


def post(url: str, body: bytes) -> str:
    """POST a form; the answer's text, or a description of why there was none."""
    request = urllib.request.Request(  # noqa: S310 - the merchant's own notify_url
        url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            if response.status != 200:
                return f"HTTP {response.status}"
            return str(response.read(1024).decode("utf-8", "replace"))
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"
    except (OSError, ValueError) as exc:
        return f"error: {exc}"


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"localpay {self.address_string()} {format % args}\n")


def main(argv: list[str] | None = None) -> int:
    default_var = os.environ.get("LINLI_VAR_DIR") or str(
        Path(__file__).resolve().parents[2] / "var"
    )
    parser = argparse.ArgumentParser(prog="localpay", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("LINLI_LOCALPAY_PORT", "8011"))
    )
    parser.add_argument("--var-dir", default=default_var)
    parser.add_argument("--public-url", help="base URL payers' browsers use (default: host:port)")
    parser.add_argument("--merchant", action="append", default=[], metavar="APP_ID=PUBLIC_KEY")
    parser.add_argument(
        "--retry-delays", help="seconds between notification attempts, e.g. 0,15,60"
    )
    parser.add_argument("--memory", action="store_true", help="keep the books in memory only")
    args = parser.parse_args(argv)
    var = Path(args.var_dir)
    (var / "localpay").mkdir(parents=True, exist_ok=True)
    key = signing.load_private_key(var / "localpay" / "provider_key.pem", create=True)
    merchants = {"linli-demo": var / "payments" / "merchant_key.pub.pem"}
    for item in args.merchant:
        app_id, _, path = item.partition("=")
        merchants[app_id] = Path(path)
    delays = DEFAULT_DELAYS
    if args.retry_delays:
        delays = tuple(float(d) for d in args.retry_delays.split(","))
    store = Store(":memory:" if args.memory else str(var / "localpay" / "localpay.sqlite3"))
    holder: list[LocalPay] = []  # the app needs the port, known once the server is bound
    server = make_server(args.host, args.port, lambda e, s: holder[0](e, s), _Server, _QuietHandler)
    port = server.server_address[1]
    app = LocalPay(
        store=store,
        key=key,
        merchants=merchants,
        public_url=args.public_url or f"http://{args.host}:{port}",
        delays=delays,
    )
    holder.append(app)
    threading.Thread(target=app.notify_forever, name="localpay-notify", daemon=True).start()
    print(f"localpay listening on http://{args.host}:{port}/", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        app.stopping.set()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
