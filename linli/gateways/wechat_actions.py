"""The WeChat conversation: a resident's messages become one case.

A description (text) and a place (WeChat's location message) may come in either order within
30 minutes; photos are recorded by reference. Until both are there they wait in a
``WeChatDraft`` keyed by the blind index of the OpenID. Then the case goes through the same
``submit_case`` as every other channel. "查询 <number> <code>" answers a case's public status.
Every delivered message is remembered by its MsgId, so WeChat's retries create nothing twice.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.cases import actions
from linli.cases.actions.common import CaseError
from linli.cases.actions.intake import MAX_DESCRIPTION
from linli.cases.models import Case
from linli.cases.triage.service import triage
from linli.core import crypto, ratelimit
from linli.gateways.models import WeChatDraft, WeChatMessage, WeChatNonce

DRAFT_LIFETIME = timedelta(minutes=30)
NONCE_LIFETIME = timedelta(minutes=10)  # timestamps are accepted five minutes either way
MESSAGE_MEMORY = timedelta(days=1)  # WeChat retries within about 15 seconds
MAX_PHOTOS = 9
QUERY = re.compile(r"^\s*查询\s*([0-9A-Za-z-]{1,40})\s+([0-9A-Za-z]{1,32})\s*$")
FOLLOW_RATE = "30/h"  # as on the web's follow-up page


class Replayed(Exception):
    """A signed request seen before (same timestamp and nonce)."""


@dataclass(frozen=True)
class Message:
    """One message as WeChat delivered it (the XML's fields, checked and typed)."""

    account: str  # ToUserName: the official account's original ID
    openid: str  # FromUserName
    create_time: int
    msg_type: str
    msg_id: str = ""
    content: str = ""
    lat: float | None = None
    lon: float | None = None
    scale: int | None = None
    label: str = ""
    pic_url: str = ""
    media_id: str = ""
    event: str = ""
    unusable: str = ""  # why Linli cannot take it (answered, nothing stored), or ""

    @property
    def dedup_key(self) -> str:
        if self.msg_id:
            return crypto.blind_index(f"msg:{self.msg_id}", purpose="wechat.message")
        sender = _hex(self.openid)
        return crypto.blind_index(f"event:{sender}:{self.create_time}", purpose="wechat.message")


def _hex(openid: str) -> str:
    """OpenIDs are case-sensitive and blind_index upper-cases its input: index the hex."""
    return openid.encode().hex()


def openid_index(openid: str) -> str:
    return crypto.blind_index(_hex(openid), purpose="wechat.openid")


def nonce_key(timestamp: str, nonce: str) -> str:
    return hashlib.sha256(f"{timestamp}:{nonce}".encode()).hexdigest()[:40]


# --- receiving -------------------------------------------------------------------------------


@transaction.atomic
def receive(message: Message, *, nonce: str, now: datetime | None = None) -> str:
    """Handle one signed message once; a retry of it gets the first reply again."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            WeChatNonce.objects.create(key=nonce, expires_at=now + NONCE_LIFETIME)
    except IntegrityError:
        raise Replayed from None
    try:
        with transaction.atomic():
            seen = WeChatMessage.objects.create(key=message.dedup_key, received_at=now)
    except IntegrityError:
        # A retry: on PostgreSQL the insert waited for the first delivery to commit.
        earlier = WeChatMessage.objects.filter(key=message.dedup_key).first()
        return earlier.reply if earlier else ""
    reply = respond(message, now=now)
    if reply:
        seen.reply = reply
        seen.save(update_fields=["reply"])
    return reply


def respond(message: Message, *, now: datetime) -> str:
    if message.msg_type == "text":
        return _text(message, now)
    if message.msg_type == "location":
        return _location(message, now)
    if message.msg_type == "image":
        return _image(message, now)
    if message.msg_type == "event":
        return _event(message)
    return _("Linli understands text, locations and photos. %(how)s") % {"how": how_to_report()}


def how_to_report() -> str:
    return _(
        "To report a problem, describe it in a text message and send your location "
        "(+ → Location), in either order. To follow a case, send: 查询 <case number> <code>."
    )


def welcome() -> str:
    return _(
        "Welcome to the neighbourhood police service. %(how)s\n"
        "In an emergency call 110 (fire 119, ambulance 120) at once."
    ) % {"how": how_to_report()}


def _event(message: Message) -> str:
    if message.event == "subscribe":
        return welcome()
    if message.event == "unsubscribe":
        WeChatDraft.objects.filter(openid_index=openid_index(message.openid)).delete()
    return ""


# --- the draft -------------------------------------------------------------------------------


def _draft(message: Message, now: datetime) -> WeChatDraft:
    """The sender's draft, locked; an expired one starts again empty."""
    draft, created = WeChatDraft.objects.select_for_update().get_or_create(
        openid_index=openid_index(message.openid),
        defaults={"expires_at": now + DRAFT_LIFETIME},
    )
    if not created and draft.expires_at <= now:
        draft.text = draft.label = draft.photos = ""
        draft.lat = draft.lon = None
    draft.expires_at = now + DRAFT_LIFETIME
    return draft


def _text(message: Message, now: datetime) -> str:
    query = QUERY.match(message.content)
    if query:
        return _status(message, *query.groups())
    content = message.content.strip()
    if not content:
        return how_to_report()
    draft = _draft(message, now)
    text = f"{draft.text}\n{content}" if draft.text else content
    if len(text) > MAX_DESCRIPTION:
        return _("The description is too long: at most %(n)d characters.") % {"n": MAX_DESCRIPTION}
    draft.text = text
    if draft.has_place:
        return _submit(draft, now)
    draft.save()
    reply = _("Received. Now send the location of the problem (+ → Location).")
    advice = _emergency_advice(triage(text).emergency_numbers)
    return f"{advice}\n{reply}" if advice else reply


def _location(message: Message, now: datetime) -> str:
    draft = _draft(message, now)
    draft.lat, draft.lon, draft.label = message.lat, message.lon, message.label[:200]
    if draft.text:
        return _submit(draft, now)
    draft.save()
    return _("Location received. Now describe the problem in a text message.")


def _image(message: Message, now: datetime) -> str:
    draft = _draft(message, now)
    photos = [line for line in draft.photos.splitlines() if line]
    if len(photos) >= MAX_PHOTOS:
        return _("At most %(n)d photos per report.") % {"n": MAX_PHOTOS}
    draft.photos = "\n".join([*photos, f"{message.media_id} {message.pic_url}"])
    draft.save()
    return _("Photo received.") + " " + _missing(draft)


def _missing(draft: WeChatDraft) -> str:
    if not draft.text:
        return _("Now describe the problem in a text message.")
    if not draft.has_place:
        return _("Now send the location of the problem (+ → Location).")
    return ""


# --- the case --------------------------------------------------------------------------------


def _emergency_advice(numbers: Any) -> str:
    if not numbers:
        return ""
    return _("This may be an emergency: call %(numbers)s now.") % {"numbers": " / ".join(numbers)}


def _submit(draft: WeChatDraft, now: datetime) -> str:
    assert draft.lat is not None and draft.lon is not None
    if not ratelimit.hit("intake", "wechat:" + draft.openid_index, settings.LINLI_INTAKE_RATE):
        draft.save()
        return _("Too many reports from this WeChat account. Try again later.")
    intake = actions.Intake(
        kind=Case.Kind.REPORT,
        channel=Case.Channel.WECHAT,
        description=draft.text,
        lon=draft.lon,
        lat=draft.lat,
        address=draft.label,
        anonymous=True,
    )
    try:
        submitted = actions.submit_case(intake, actor=None, now=now)
    except CaseError as exc:
        if exc.field in ("lon", "lat", "address"):
            draft.lat = draft.lon = None
            draft.label = ""
            draft.save()
            return exc.message + " " + _("Send another location.")
        draft.delete()
        return exc.message
    if draft.photos:
        note = _("Photos sent through WeChat (MediaId, PicUrl):") + "\n" + draft.photos
        actions.add_note(submitted.case, actor=None, note=note)
    draft.delete()
    lines = [
        _("Your report is registered as case %(number)s.") % {"number": submitted.case.number},
        _("Follow-up code: %(code)s. Keep it: send 查询 %(number)s %(code)s to see progress.")
        % {"number": submitted.case.number, "code": submitted.follow_up_code},
    ]
    advice = _emergency_advice(submitted.emergency_numbers)
    return "\n".join([advice, *lines] if advice else lines)


def _status(message: Message, number: str, code: str) -> str:
    if not ratelimit.hit("follow", "wechat:" + openid_index(message.openid), FOLLOW_RATE):
        return _("Too many attempts. Wait a few minutes and try again.")
    case = actions.case_by_follow_up_code(number, code)
    if case is None:
        return _("No case has this number and code.")
    lines = [
        _("Case %(number)s: %(status)s.")
        % {"number": case.number, "status": case.get_status_display()},
        _("Handled by: %(unit)s.") % {"unit": case.unit.name},
    ]
    latest = case.events.filter(public=True).order_by("-at", "-id").first()
    if latest is not None:
        stamp = timezone.localtime(latest.at).strftime("%Y-%m-%d %H:%M")
        lines.append(
            _("Latest (%(at)s): %(note)s")
            % {"at": stamp, "note": (latest.note or latest.get_kind_display())[:300]}
        )
    return "\n".join(lines)


# --- housekeeping ----------------------------------------------------------------------------


def forget_expired(now: datetime) -> int:
    """The worker's sweep: drafts past their 30 minutes, old nonces and delivered messages."""
    drafts, _kinds = WeChatDraft.objects.filter(expires_at__lte=now).delete()
    nonces, _kinds = WeChatNonce.objects.filter(expires_at__lte=now).delete()
    old, _kinds = WeChatMessage.objects.filter(received_at__lte=now - MESSAGE_MEMORY).delete()
    return drafts + nonces + old
