"""The WeChat Official Account server endpoint at /gateways/wechat/ (公众号 "服务器配置").

GET is WeChat's URL verification (接入指南): answer ``echostr`` when the signature matches.
POST is a message (接收普通消息 / 接收事件推送) answered with a passive reply (被动回复用户消息)
within WeChat's five seconds, in plain mode or safe mode (``encrypt_type=aes``). Every request
is signed with the account's token; stale timestamps and replayed nonces are refused.
The channel is off (404) unless LINLI_WECHAT_TOKEN is set. OpenIDs are never logged.
"""

from __future__ import annotations

import logging
import math
import secrets
import time

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from linli.gateways import wechat_actions
from linli.gateways.wechat_actions import Message, Replayed
from linli.gateways.wechat_protocol import (
    MAX_BODY,
    MsgCrypt,
    ProtocolError,
    build_xml,
    parse_xml,
    sha1_signature,
    signature_matches,
)

logger = logging.getLogger(__name__)

MAX_SKEW_SECONDS = 300
MAX_CONTENT = 2000
MAX_ID = 64


def _crypt() -> MsgCrypt | None:
    if not settings.LINLI_WECHAT_AES_KEY:
        return None
    return MsgCrypt(
        settings.LINLI_WECHAT_TOKEN, settings.LINLI_WECHAT_AES_KEY, settings.LINLI_WECHAT_APPID
    )


def _refuse(status: int, reason: str) -> HttpResponse:
    logger.info("wechat request refused: %s", reason)
    return HttpResponse(reason, status=status, content_type="text/plain; charset=utf-8")


@csrf_exempt
def endpoint(request: HttpRequest) -> HttpResponse:
    token = settings.LINLI_WECHAT_TOKEN
    if not token:
        raise Http404
    timestamp = request.GET.get("timestamp", "")[:20]
    nonce = request.GET.get("nonce", "")[:64]
    expected = sha1_signature(token, timestamp, nonce)
    if not signature_matches(expected, request.GET.get("signature", "")):
        return _refuse(403, "bad signature")
    if request.method == "GET":
        return HttpResponse(request.GET.get("echostr", ""), content_type="text/plain")
    if request.method != "POST":
        response = _refuse(405, "method not allowed")
        response["Allow"] = "GET, POST"
        return response
    if not timestamp.isascii() or not timestamp.isdigit():
        return _refuse(403, "bad timestamp")
    if abs(time.time() - int(timestamp)) > MAX_SKEW_SECONDS:
        return _refuse(403, "stale timestamp")
    with translation.override("zh-hans"):  # WeChat's residents read Chinese
        return _post(request, timestamp, nonce)


def _post(request: HttpRequest, timestamp: str, nonce: str) -> HttpResponse:
    if len(request.body) > MAX_BODY:
        return _refuse(413, "message too large")
    encrypted = request.GET.get("encrypt_type", "raw") == "aes"
    crypt = _crypt()
    if encrypted and crypt is None:
        return _refuse(403, "safe mode is not configured")
    try:
        fields = parse_xml(request.body)
        if encrypted:
            assert crypt is not None
            signature = request.GET.get("msg_signature", "")
            fields = parse_xml(crypt.open(fields, timestamp, nonce, signature))
        message = to_message(fields)
    except ProtocolError as exc:
        status = 403 if "signature" in str(exc) or "AppID" in str(exc) else 400
        return _refuse(status, str(exc))
    if message.unusable:  # answered politely, nothing stored
        reply = message.unusable
    else:
        try:
            reply = wechat_actions.receive(
                message, nonce=wechat_actions.nonce_key(timestamp, nonce)
            )
        except Replayed:
            return _refuse(403, "replayed nonce")
    logger.info("wechat %s message answered", message.msg_type)
    return _reply(message, reply, crypt if encrypted else None)


def _reply(message: Message, text: str, crypt: MsgCrypt | None) -> HttpResponse:
    if not text:
        return HttpResponse("success", content_type="text/plain")  # WeChat: "no reply"
    now = str(int(time.time()))
    body = build_xml(
        {
            "ToUserName": message.openid,
            "FromUserName": message.account,
            "CreateTime": int(now),
            "MsgType": "text",
            "Content": text,
        }
    )
    if crypt is not None:
        body = crypt.seal(body, now, str(secrets.randbelow(10**10)))
    return HttpResponse(body.encode(), content_type="application/xml; charset=utf-8")


# --- the message's fields --------------------------------------------------------------------


def _required(fields: dict[str, str], name: str, limit: int = MAX_ID) -> str:
    value = fields.get(name, "")
    if not value or len(value) > limit:
        raise ProtocolError(f"{name} is missing or too long")
    return value


def _digits(fields: dict[str, str], name: str, limit: int = 20) -> str:
    value = _required(fields, name, limit)
    if not value.isascii() or not value.isdigit():
        raise ProtocolError(f"{name} is not a number")
    return value


def to_message(fields: dict[str, str]) -> Message:
    """The typed message; ProtocolError (400) for a broken envelope, ``unusable`` (a polite
    reply, nothing stored) for content Linli cannot take."""
    msg_type = _required(fields, "MsgType", 32)
    base = {
        "account": _required(fields, "ToUserName"),
        "openid": _required(fields, "FromUserName"),
        "create_time": int(_digits(fields, "CreateTime", 12)),
        "msg_type": msg_type,
    }
    base["msg_id"] = "" if msg_type == "event" else _digits(fields, "MsgId")
    message = Message(**base)  # type: ignore[arg-type]
    if msg_type == "text":
        content = fields.get("Content", "")
        if len(content) > MAX_CONTENT:
            too_long = _("The description is too long: at most %(n)d characters.")
            return Message(**base, unusable=too_long % {"n": MAX_CONTENT})  # type: ignore[arg-type]
        return Message(**base, content=content)  # type: ignore[arg-type]
    if msg_type == "location":
        try:
            return Message(**base, **_place(fields))  # type: ignore[arg-type]
        except ValueError:
            unreadable = _("This location could not be read. Send it again.")
            return Message(**base, unusable=unreadable)  # type: ignore[arg-type]
    if msg_type == "image":
        pic_url = _required(fields, "PicUrl", 1000)
        if not pic_url.startswith(("http://", "https://")):
            raise ProtocolError("PicUrl is not a web address")
        media_id = _required(fields, "MediaId", 200)
        return Message(**base, pic_url=pic_url, media_id=media_id)  # type: ignore[arg-type]
    if msg_type == "event":
        return Message(**base, event=_required(fields, "Event", 64))  # type: ignore[arg-type]
    return message


def _place(fields: dict[str, str]) -> dict[str, object]:
    lat = float(fields.get("Location_X", ""))
    lon = float(fields.get("Location_Y", ""))
    scale = int(fields.get("Scale") or 0)
    if not (math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180):
        raise ValueError("not a place on Earth")
    return {"lat": lat, "lon": lon, "scale": scale, "label": fields.get("Label", "")[:200]}
