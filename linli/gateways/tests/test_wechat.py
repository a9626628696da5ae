"""The WeChat endpoint: signatures, verification, hostile bodies, the two-message conversation,
retries, emergencies and the 查询 command (through Django's test client)."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from linli.cases.models import Case
from linli.core.models import AuditEvent
from linli.gateways import wechat_actions
from linli.gateways.models import WeChatDraft, WeChatMessage, WeChatNonce
from linli.gateways.wechat_protocol import MsgCrypt, build_xml, parse_xml
from linli.gateways.wechat_sim import Simulator

pytestmark = pytest.mark.django_db

URL = "/gateways/wechat/"
TOKEN = "test-wechat-token"
APPID = "wxtest0000000000ab"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
BEIJING = (116.397, 39.909)  # outside the demo district
RAW = {"CreateTime", "MsgId", "Scale", "Location_X", "Location_Y"}


@pytest.fixture(autouse=True)
def wechat_on(settings):
    settings.LINLI_WECHAT_TOKEN = TOKEN
    settings.LINLI_WECHAT_APPID = APPID
    settings.LINLI_WECHAT_AES_KEY = AES_KEY


class Resident:
    """One WeChat user, with messages posted through the test client as WeChat would."""

    def __init__(self, client) -> None:
        self.client = client
        self.sim = Simulator("http://testserver" + URL, token=TOKEN, app_id=APPID)

    def post(self, body: bytes | str, query: dict[str, str] | None = None):
        query = query or self.sim.signed_query()
        raw = body.encode() if isinstance(body, str) else body
        return self.client.post(f"{URL}?{urlencode(query)}", raw, content_type="text/xml")

    def send(self, message: dict) -> str:
        response = self.post(build_xml(message, raw=RAW))
        assert response.status_code == 200, response.content
        return reply_content(response)

    def text(self, content: str) -> str:
        return self.send(self.sim.text(content))

    def location(self, lon: float, lat: float, label: str = "") -> str:
        return self.send(self.sim.location(lat, lon, label))


def reply_content(response) -> str:
    if response.content == b"success":
        return ""
    fields = parse_xml(response.content)
    assert fields["MsgType"] == "text"
    return fields["Content"]


def zh(message: str, **values) -> str:
    with translation.override("zh-hans"):
        text = _(message)
    return text % values if values else text


@pytest.fixture
def resident(client, demo_city) -> Resident:
    return Resident(client)


def wechat_cases():
    return Case.objects.filter(channel=Case.Channel.WECHAT)


def nothing_stored() -> bool:
    return not (
        WeChatDraft.objects.exists()
        or WeChatMessage.objects.exists()
        or WeChatNonce.objects.exists()
        or wechat_cases().exists()
    )


# --- signatures and verification -------------------------------------------------------------


def test_wechat_verifies_the_url_with_a_signed_get_and_gets_the_echostr_back(resident):
    query = resident.sim.signed_query() | {"echostr": "5837397749"}
    response = resident.client.get(URL, query)
    assert response.status_code == 200 and response.content == b"5837397749"
    query["signature"] = "0" * 40
    assert resident.client.get(URL, query).status_code == 403


def test_the_channel_is_off_without_a_token(client, settings):
    settings.LINLI_WECHAT_TOKEN = ""
    assert client.get(URL, {"echostr": "x"}).status_code == 404
    assert client.post(URL, b"<xml/>", content_type="text/xml").status_code == 404


def test_a_post_with_a_bad_signature_is_refused_and_stores_nothing(resident):
    query = resident.sim.signed_query() | {"signature": "f" * 40}
    response = resident.post(build_xml(resident.sim.text("路灯坏了"), raw=RAW), query)
    assert response.status_code == 403
    unsigned = resident.client.post(URL, b"<xml/>", content_type="text/xml")
    assert unsigned.status_code == 403
    assert nothing_stored()


def test_a_stale_timestamp_is_refused(resident):
    stale = resident.sim.signed_query(timestamp=str(int(time.time()) - 301))
    body = build_xml(resident.sim.text("路灯坏了"), raw=RAW)
    assert resident.post(body, stale).status_code == 403
    future = resident.sim.signed_query(timestamp=str(int(time.time()) + 600))
    assert resident.post(body, future).status_code == 403
    assert nothing_stored()


def test_a_replayed_nonce_is_refused(resident):
    query = resident.sim.signed_query()
    first = resident.post(build_xml(resident.sim.text("路灯坏了"), raw=RAW), query)
    assert first.status_code == 200
    replay = resident.post(build_xml(resident.sim.text("又一条"), raw=RAW), query)
    assert replay.status_code == 403
    assert WeChatMessage.objects.count() == 1


def test_a_put_is_not_allowed(resident):
    response = resident.client.put(f"{URL}?{urlencode(resident.sim.signed_query())}", b"")
    assert response.status_code == 405


# --- garbage ---------------------------------------------------------------------------------

BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaaaaaaaaaaaa">'
    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
    b"]><xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName>"
    b"<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&c;</Content>"
    b"<MsgId>1</MsgId></xml>"
)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"hello",
        b"{\"json\": true}",
        b"<xml><ToUserName>",
        BOMB,
        b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Content>&e;</Content></xml>',
        b"<xml><MsgType>text</MsgType><Content>no sender</Content></xml>",
        b"<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><CreateTime>soon"
        b"</CreateTime><MsgType>text</MsgType><Content>x</Content><MsgId>1</MsgId></xml>",
        b"<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><CreateTime>1"
        b"</CreateTime><MsgType>text</MsgType><Content>x</Content><MsgId>-7</MsgId></xml>",
        b"<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><CreateTime>1"
        b"</CreateTime><MsgType>image</MsgType><PicUrl>file:///etc/passwd</PicUrl>"
        b"<MediaId>m</MediaId><MsgId>1</MsgId></xml>",
        b"<xml>" + b"<Content>x</Content>" * 5000 + b"</xml>",
        b"<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName>"
        + b"<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>\xff\xfe</Content></xml>",
    ],
    ids=[
        "empty", "text", "json", "truncated", "bomb", "external-entity", "no-sender",
        "time-not-a-number", "negative-msgid", "file-picurl", "huge", "not-utf8",
    ],
)  # fmt: skip
def test_garbage_gets_a_4xx_and_stores_nothing(resident, body):
    response = resident.post(body)
    assert 400 <= response.status_code < 500
    assert nothing_stored()


@pytest.mark.parametrize(
    "message",
    [
        {"Content": "很长" * 1500},
        {"MsgType": "location", "Location_X": "north", "Location_Y": "120.1", "Scale": "15"},
        {"MsgType": "location", "Location_X": "nan", "Location_Y": "inf", "Scale": "15"},
        {"MsgType": "location", "Location_X": "95", "Location_Y": "120", "Scale": "big"},
    ],
    ids=["huge-content", "words-for-latitude", "nan", "bad-scale"],
)
def test_content_linli_cannot_use_gets_a_polite_reply_and_stores_nothing(resident, message):
    fields = resident.sim.text("x") | message
    if message.get("MsgType") == "location":
        del fields["Content"]
    response = resident.post(build_xml(fields, raw=RAW))
    assert response.status_code == 200 and reply_content(response)
    assert nothing_stored()


def test_a_voice_message_gets_told_what_linli_understands(resident):
    reply = resident.send(resident.sim.message("voice", MediaId="m1", Format="amr"))
    assert reply.startswith(zh("Linli understands text, locations and photos. %(how)s")[:8])
    assert not wechat_cases().exists()


# --- the conversation ------------------------------------------------------------------------


def test_subscribing_gets_a_welcome_that_explains_how_to_report(resident):
    reply = resident.send(resident.sim.subscribe())
    assert reply == zh(
        "Welcome to the neighbourhood police service. %(how)s\n"
        "In an emergency call 110 (fire 119, ambulance 120) at once.",
        how=zh(
            "To report a problem, describe it in a text message and send your location "
            "(+ → Location), in either order. To follow a case, send: 查询 <case number> <code>."
        ),
    )


def test_text_then_location_creates_one_wechat_case_with_a_follow_up_code(resident, spot):
    asked = resident.text("小区门口的路灯坏了一个星期，晚上很黑")
    assert asked == zh("Received. Now send the location of the problem (+ → Location).")
    assert not wechat_cases().exists()
    reply = resident.location(*spot, label="南湖街道某小区门口")
    case = wechat_cases().get()
    assert case.number in reply and case.anonymous and case.reporter is None
    assert case.address == "南湖街道某小区门口" and "路灯" in case.description
    code = reply.split(case.number)[1].split()[-1]  # "… 查询 <number> <code> …"
    assert code.strip("。.，,") and not WeChatDraft.objects.exists()
    assert AuditEvent.objects.filter(object_id=str(case.pk), kind=400).exists()


def test_location_then_text_creates_the_case_too(resident, spot):
    assert resident.location(*spot) == zh(
        "Location received. Now describe the problem in a text message."
    )
    reply = resident.text("楼道里堆满了杂物，堵住了消防通道")
    case = wechat_cases().get()
    assert zh("Your report is registered as case %(number)s.", number=case.number) in reply


def test_two_residents_drafts_do_not_mix(client, demo_city, spot):
    first, second = Resident(client), Resident(client)
    first.text("路灯坏了")
    second.location(*spot)
    assert not wechat_cases().exists()
    assert WeChatDraft.objects.count() == 2


def test_a_draft_older_than_30_minutes_is_forgotten(resident, spot):
    resident.text("路灯坏了")
    WeChatDraft.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert resident.location(*spot) == zh(
        "Location received. Now describe the problem in a text message."
    )
    assert not wechat_cases().exists()
    assert wechat_actions.forget_expired(timezone.now() + timedelta(hours=1)) >= 1


def test_photos_are_recorded_by_reference_on_the_case(resident, spot):
    reply = resident.send(resident.sim.image("https://mmbiz.qpic.cn/abc/0", "media-123"))
    assert reply.startswith(zh("Photo received."))
    resident.text("有人在绿化带倒建筑垃圾")
    resident.location(*spot)
    case = wechat_cases().get()
    note = case.events.filter(kind="note").get()
    assert "media-123 https://mmbiz.qpic.cn/abc/0" in note.note and not note.public


def test_a_place_outside_the_district_gets_the_intake_error_and_may_be_sent_again(resident, spot):
    resident.text("路灯坏了")
    reply = resident.location(*BEIJING)
    assert reply.startswith(zh("This place lies outside the area Linli serves."))
    assert not wechat_cases().exists()
    resident.location(*spot)
    assert wechat_cases().count() == 1


def test_an_emergency_is_told_to_call_119_at_once_even_before_the_location(resident, spot):
    reply = resident.text("快来 楼下饭店着火了 火很大")
    assert reply.startswith(zh("This may be an emergency: call %(numbers)s now.", numbers="119"))
    reply = resident.location(*spot)
    case = wechat_cases().get()
    assert case.emergency and reply.startswith(
        zh("This may be an emergency: call %(numbers)s now.", numbers="119")
    )


def test_the_query_command_answers_the_public_status(resident, spot):
    resident.text("小区门口的路灯坏了")
    reply = resident.location(*spot)
    case = wechat_cases().get()
    code = re.search(rf"查询 {case.number} ([0-9A-Za-z]+)", reply).group(1)
    status = resident.text(f"查询 {case.number} {code}")
    assert status.startswith(
        zh("Case %(number)s: %(status)s.", number=case.number, status=zh(case.get_status_display()))
    )
    assert case.unit.name in status
    assert resident.text(f"查询 {case.number} WRONG00000") == zh(
        "No case has this number and code."
    )


def test_nothing_is_logged_with_the_openid(resident, spot, caplog):
    caplog.set_level("DEBUG")
    resident.text("路灯坏了")
    resident.location(*spot)
    assert resident.sim.openid not in caplog.text


def test_the_openid_is_not_stored_in_the_clear(resident):
    resident.text("路灯坏了")
    with connection.cursor() as cursor:
        for table in ("gateways_wechatdraft", "gateways_wechatmessage"):
            cursor.execute(f"SELECT * FROM {table}")
            rows = repr(cursor.fetchall())
            assert resident.sim.openid not in rows and "路灯" not in rows


# --- retries ---------------------------------------------------------------------------------


def test_a_retry_storm_of_one_msgid_creates_one_case_and_gets_the_same_reply(resident, spot):
    resident.text("小区门口的路灯坏了")
    location = resident.sim.location(spot[1], spot[0])
    replies = {resident.send(location) for _ in range(4)}  # the first delivery and 3 retries
    assert len(replies) == 1 and wechat_cases().count() == 1
    assert WeChatMessage.objects.count() == 2


def test_a_retried_subscribe_event_is_answered_once_per_sender_and_time(resident):
    event = resident.sim.subscribe()
    assert resident.send(event) == resident.send(event)
    assert WeChatMessage.objects.count() == 1


# --- safe mode -------------------------------------------------------------------------------


def test_safe_mode_request_gets_an_encrypted_reply(resident, spot):
    crypt = MsgCrypt(TOKEN, AES_KEY, APPID)
    query = resident.sim.signed_query()
    inner = build_xml(resident.sim.text("路灯坏了"), raw=RAW)
    encrypted = crypt.encrypt(inner)
    query |= {
        "encrypt_type": "aes",
        "msg_signature": crypt.msg_signature(query["timestamp"], query["nonce"], encrypted),
    }
    response = resident.post(build_xml({"ToUserName": "gh", "Encrypt": encrypted}), query)
    assert response.status_code == 200
    envelope = parse_xml(response.content)
    assert set(envelope) == {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}
    opened = parse_xml(
        crypt.open(envelope, envelope["TimeStamp"], envelope["Nonce"], envelope["MsgSignature"])
    )
    assert opened["ToUserName"] == resident.sim.openid
    assert opened["Content"] == zh("Received. Now send the location of the problem (+ → Location).")


def test_safe_mode_with_a_bad_msg_signature_or_foreign_appid_is_refused(resident):
    query = resident.sim.signed_query()
    inner = build_xml(resident.sim.text("路灯坏了"), raw=RAW)
    encrypted = MsgCrypt(TOKEN, AES_KEY, APPID).encrypt(inner)
    bad = query | {"encrypt_type": "aes", "msg_signature": "0" * 40}
    assert resident.post(build_xml({"Encrypt": encrypted}), bad).status_code == 403
    foreign = MsgCrypt(TOKEN, AES_KEY, "wxother").encrypt(inner)
    query = resident.sim.signed_query()
    good = query | {
        "encrypt_type": "aes",
        "msg_signature": MsgCrypt(TOKEN, AES_KEY, APPID).msg_signature(
            query["timestamp"], query["nonce"], foreign
        ),
    }
    assert resident.post(build_xml({"Encrypt": foreign}), good).status_code == 403
    assert nothing_stored()


def test_reports_are_limited_per_wechat_account(resident, spot, settings):
    settings.LINLI_INTAKE_RATE = "1/h"
    resident.text("路灯坏了")
    resident.location(*spot)
    resident.text("井盖丢了")
    reply = resident.location(*spot)
    assert reply == zh("Too many reports from this WeChat account. Try again later.")
    assert wechat_cases().count() == 1 and WeChatDraft.objects.count() == 1
