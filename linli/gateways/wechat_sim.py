"""A stand-in for WeChat's servers: it signs (and in safe mode encrypts) messages exactly as
WeChat does, POSTs them to an Official Account server over HTTP, and reads the passive reply.

From tests (against Django's live server) and by hand::

    python -m linli.gateways.wechat_sim --url http://127.0.0.1:8000/gateways/wechat/ \\
        --text "小区门口路灯坏了" --lat 30.7779 --lon 120.7376 [--aes]

The defaults are the demo values of ``linli demo``. Standard library and ``cryptography`` only:
no Django, so it runs outside the project too.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from itertools import count

from linli.gateways.wechat_protocol import MsgCrypt, build_xml, parse_xml, sha1_signature

DEMO_TOKEN = "linli-demo-wechat"
DEMO_APPID = "wxlinlidemo0000000"
DEMO_AES_KEY = "TGlubGkgZGVtbyBrZXkgZm9yIFdlQ2hhdCBzYWZlIG0"
DEMO_ACCOUNT = "gh_linli_demo"


@dataclass
class Reply:
    status: int
    body: bytes
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def content(self) -> str:
        return self.fields.get("Content", "")


@dataclass
class Simulator:
    """WeChat's side of one official account, talking for one resident (``openid``)."""

    url: str
    token: str = DEMO_TOKEN
    app_id: str = DEMO_APPID
    aes_key: str = ""  # set: safe mode (encrypt_type=aes)
    account: str = DEMO_ACCOUNT
    openid: str = field(default_factory=lambda: "o" + secrets.token_urlsafe(20)[:27])
    timeout: float = 5.0  # WeChat gives up after five seconds
    # MsgIds are 64-bit and unique per account: random starts keep simulators apart
    _ids: count[int] = field(default_factory=lambda: count(10**18 + secrets.randbelow(10**18)))

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise ValueError("the server's URL starts with http:// or https://")

    def signed_query(
        self, timestamp: str | None = None, nonce: str | None = None
    ) -> dict[str, str]:
        timestamp = timestamp or str(int(time.time()))
        nonce = nonce or str(secrets.randbelow(10**10))
        signature = sha1_signature(self.token, timestamp, nonce)
        return {"signature": signature, "timestamp": timestamp, "nonce": nonce}

    # --- what WeChat sends -----------------------------------------------------------------

    def message(self, msg_type: str, **fields: str | int) -> dict[str, str | int]:
        """A message as WeChat writes it; a MsgId is added unless it is an event."""
        head: dict[str, str | int] = {
            "ToUserName": self.account,
            "FromUserName": self.openid,
            "CreateTime": int(time.time()),
            "MsgType": msg_type,
        }
        tail: dict[str, str | int] = {} if msg_type == "event" else {"MsgId": next(self._ids)}
        return head | fields | tail

    def text(self, content: str) -> dict[str, str | int]:
        return self.message("text", Content=content)

    def location(
        self, lat: float, lon: float, label: str = "", scale: int = 15
    ) -> dict[str, str | int]:
        return self.message(
            "location", Location_X=f"{lat:.6f}", Location_Y=f"{lon:.6f}", Scale=scale, Label=label
        )

    def image(self, pic_url: str, media_id: str) -> dict[str, str | int]:
        return self.message("image", PicUrl=pic_url, MediaId=media_id)

    def subscribe(self) -> dict[str, str | int]:
        return self.message("event", Event="subscribe")

    # --- over HTTP -------------------------------------------------------------------------

    def verify(self, echostr: str = "linli-echo") -> Reply:
        """WeChat's URL check when the server address is saved in the console."""
        query = self.signed_query() | {"echostr": echostr}
        return self._http("GET", query, None)

    def send(self, message: dict[str, str | int], *, query: dict[str, str] | None = None) -> Reply:
        """POST one message (plain, or sealed in safe mode) and read the reply."""
        query = (query or self.signed_query()) | {"openid": self.openid}  # as WeChat adds it
        body = build_xml(message, raw={"CreateTime", "MsgId", "Scale", "Location_X", "Location_Y"})
        if self.aes_key:
            crypt = MsgCrypt(self.token, self.aes_key, self.app_id)
            encrypted = crypt.encrypt(body)
            query |= {
                "encrypt_type": "aes",
                "msg_signature": crypt.msg_signature(query["timestamp"], query["nonce"], encrypted),
            }
            body = build_xml({"ToUserName": self.account, "Encrypt": encrypted})
        return self.post_raw(body.encode(), query)

    def post_raw(self, body: bytes, query: dict[str, str]) -> Reply:
        return self._http("POST", query, body)

    def _http(self, method: str, query: dict[str, str], body: bytes | None) -> Reply:
        url = f"{self.url}?{urllib.parse.urlencode(query)}"
        request = urllib.request.Request(url, data=body, method=method)  # noqa: S310 - checked
        if body is not None:
            request.add_header("Content-Type", "text/xml")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            return Reply(exc.code, exc.read())
        return Reply(status, raw, self._read(raw) if method == "POST" else {})

    def _read(self, raw: bytes) -> dict[str, str]:
        if not raw.startswith(b"<xml>"):
            return {}  # "success" or an empty body: no reply to the resident
        fields = parse_xml(raw)
        if "Encrypt" in fields:
            crypt = MsgCrypt(self.token, self.aes_key, self.app_id)
            stamp, nonce = fields.get("TimeStamp", ""), fields.get("Nonce", "")
            fields = parse_xml(crypt.open(fields, stamp, nonce, fields.get("MsgSignature", "")))
        return fields


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m linli.gateways.wechat_sim")
    parser.add_argument("--url", default="http://127.0.0.1:8000/gateways/wechat/")
    parser.add_argument("--token", default=DEMO_TOKEN)
    parser.add_argument("--appid", default=DEMO_APPID)
    parser.add_argument("--aes-key", default="", help="the EncodingAESKey: safe mode")
    parser.add_argument("--aes", action="store_true", help="safe mode with the demo key")
    parser.add_argument("--openid", default="")
    parser.add_argument("--text", default="")
    parser.add_argument("--lat", type=float)
    parser.add_argument("--lon", type=float)
    parser.add_argument("--label", default="")
    parser.add_argument("--subscribe", action="store_true")
    args = parser.parse_args(argv)
    sim = Simulator(
        args.url,
        token=args.token,
        app_id=args.appid,
        aes_key=args.aes_key or (DEMO_AES_KEY if args.aes else ""),
    )
    if args.openid:
        sim.openid = args.openid
    messages = [sim.subscribe()] if args.subscribe else []
    if args.text:
        messages.append(sim.text(args.text))
    if args.lat is not None and args.lon is not None:
        messages.append(sim.location(args.lat, args.lon, args.label))
    verified = sim.verify()
    print(f"verify: HTTP {verified.status} {verified.body.decode(errors='replace')}")
    for message in messages:
        reply = sim.send(message)
        print(f"{message['MsgType']}: HTTP {reply.status}")
        print("  " + (reply.content or reply.body.decode(errors="replace")).replace("\n", "\n  "))
    return 0 if verified.status == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
