"""Every change to people: accounts, personal data, roles, duty, API tokens, sign-in codes.

Each action takes ``*, actor``, runs in one transaction and writes its audit event there.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import crypto, identifiers
from linli.core.audit import AuditKind, audit_personal_read, record
from linli.people import sms
from linli.people.models import ApiToken, LoginCode, Membership, Role, Shift, Unit, User

TOKEN_PREFIX = "lnl_"
CODE_TTL = timedelta(minutes=5)
CODE_ATTEMPTS = 5


class PeopleError(Exception):
    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.message, self.field = message, field


def normalise_mobile(raw: str) -> str:
    """A mainland mobile number in E.164 form, or PeopleError naming the field."""
    try:
        return "+86" + identifiers.normalise_mobile(raw)
    except identifiers.IdentifierError as exc:
        raise PeopleError(exc.message, field="phone") from None


def normalise_id_number(raw: str) -> str:
    """The 18-character ID number (GB 11643; old 15-digit numbers converted)."""
    try:
        return identifiers.normalise_citizen_id(raw)
    except identifiers.IdentifierError as exc:
        raise PeopleError(exc.message, field="id_number") from None


def _set_personal(
    user: User, *, full_name: str | None, phone: str | None, id_number: str | None
) -> list[str]:
    changed = []
    if full_name is not None:
        user.full_name = full_name.strip()[:100]
        changed.append("full_name")
    if phone is not None:
        user.phone = normalise_mobile(phone) if phone else ""
        user.phone_index = crypto.blind_index(user.phone, purpose="phone") if user.phone else ""
        changed += ["phone", "phone_index"]
    if id_number is not None:
        user.id_number = normalise_id_number(id_number) if id_number else ""
        user.id_number_index = (
            crypto.blind_index(user.id_number, purpose="id_number") if user.id_number else ""
        )
        user.is_real_name = bool(user.id_number and user.full_name)
        changed += ["id_number", "id_number_index", "is_real_name"]
    return changed


def find_by_phone(phone: str) -> User | None:
    return User.objects.filter(phone_index=crypto.blind_index(phone, purpose="phone")).first()


@transaction.atomic
def create_user(
    username: str,
    *,
    actor: Any,
    password: str | None = None,
    full_name: str = "",
    phone: str = "",
    id_number: str = "",
) -> User:
    if User.objects.filter(username=username).exists():
        raise PeopleError(_("This username is taken."), field="username")
    user = User(username=username)
    _set_personal(user, full_name=full_name, phone=phone, id_number=id_number)
    if user.phone and find_by_phone(user.phone):
        raise PeopleError(_("Another account uses this phone number."), field="phone")
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    record(AuditKind.USER_CREATED, actor=actor, obj=user, after={"username": username})
    return user


@transaction.atomic
def update_personal_data(
    user: User,
    *,
    actor: Any,
    full_name: str | None = None,
    phone: str | None = None,
    id_number: str | None = None,
) -> User:
    changed = _set_personal(user, full_name=full_name, phone=phone, id_number=id_number)
    user.save(update_fields=changed)
    # Which fields changed is recorded; their values are personal data and are not.
    record(AuditKind.USER_CHANGED, actor=actor, obj=user, after={"fields": changed})
    return user


def reveal_personal_data(
    user: User, *, actor: Any, fields: list[str], reason: str
) -> dict[str, str]:
    """Unmasked values for a role that needs them; the read itself is audited."""
    allowed = {"full_name", "phone", "id_number"}
    if not reason.strip():
        raise PeopleError(_("Give a reason."), field="reason")
    if not fields or not set(fields) <= allowed:
        raise PeopleError(_("Choose one of the allowed values."), field="fields")
    with transaction.atomic():
        audit_personal_read(actor=actor, obj=user, fields=fields, reason=reason)
    return {name: getattr(user, name) for name in fields}


@transaction.atomic
def grant_membership(user: User, unit: Unit, role: Role | str, *, actor: Any) -> Membership:
    membership, _created = Membership.objects.update_or_create(
        user=user, unit=unit, role=Role(role), defaults={"is_active": True}
    )
    record(
        AuditKind.MEMBERSHIP_GRANTED,
        actor=actor,
        obj=membership,
        after={"unit": unit.code, "role": str(role)},
    )
    return membership


@transaction.atomic
def revoke_membership(membership: Membership, *, actor: Any) -> Membership:
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    record(AuditKind.MEMBERSHIP_REVOKED, actor=actor, obj=membership)
    return membership


@transaction.atomic
def set_shift(
    unit: Unit,
    officer: User,
    starts_at: datetime,
    ends_at: datetime,
    *,
    actor: Any,
    post: str = Shift.Post.PRIMARY,
) -> Shift:
    if ends_at <= starts_at:
        raise PeopleError(_("A shift must end after it starts."), field="ends_at")
    shift = Shift.objects.create(
        unit=unit, officer=officer, post=post, starts_at=starts_at, ends_at=ends_at
    )
    record(
        AuditKind.SHIFT_CHANGED, actor=actor, obj=shift, after={"officer": officer.pk, "post": post}
    )
    return shift


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewToken:
    token: str  # shown once, never stored
    record: ApiToken


@transaction.atomic
def create_api_token(user: User, *, actor: Any, name: str, days: int | None = None) -> NewToken:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise PeopleError(_("A name of 1 to 100 characters is required."), field="name")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=token[:12],
        digest=token_digest(token),
        expires_at=timezone.now() + timedelta(days=days) if days else None,
    )
    record(AuditKind.TOKEN_CREATED, actor=actor, obj=row, after={"name": name})
    return NewToken(token=token, record=row)


@transaction.atomic
def revoke_api_token(row: ApiToken, *, actor: Any) -> ApiToken:
    row.revoked_at = timezone.now()
    row.save(update_fields=["revoked_at"])
    record(AuditKind.TOKEN_REVOKED, actor=actor, obj=row)
    return row


def _code_digest(phone_index: str, code: str) -> str:
    key = crypto.keyring().index_key
    return hmac.new(key, f"login-code\x00{phone_index}\x00{code}".encode(), "sha256").hexdigest()


@transaction.atomic
def send_login_code(phone: str, *, actor: Any = None) -> None:
    """Text a 6-digit one-time code to a resident's mobile phone."""
    normalised = normalise_mobile(phone)
    index = crypto.blind_index(normalised, purpose="phone")
    code = f"{secrets.randbelow(1_000_000):06d}"
    LoginCode.objects.filter(phone_index=index, used_at__isnull=True).update(used_at=timezone.now())
    LoginCode.objects.create(
        phone_index=index, digest=_code_digest(index, code), expires_at=timezone.now() + CODE_TTL
    )
    record(AuditKind.LOGIN_CODE_SENT, actor=actor, note=crypto.mask_phone(normalised))
    text = _("Your Linli sign-in code is %(code)s. It expires in 5 minutes.") % {"code": code}
    transaction.on_commit(lambda: sms.send(normalised, text))


def verify_login_code(phone: str, code: str) -> User:
    """The resident with this phone (created on first sign-in) if the code is right."""
    normalised = normalise_mobile(phone)
    index = crypto.blind_index(normalised, purpose="phone")
    with transaction.atomic():
        pending = (
            LoginCode.objects.select_for_update()
            .filter(phone_index=index, used_at__isnull=True, expires_at__gt=timezone.now())
            .order_by("-created_at")
            .first()
        )
        if pending is None or pending.attempts >= CODE_ATTEMPTS:
            raise PeopleError(_("This code has expired. Ask for a new one."), field="code")
        user: User | None = None
        right = hmac.compare_digest(pending.digest, _code_digest(index, (code or "").strip()))
        if right:
            pending.used_at = timezone.now()
            pending.save(update_fields=["used_at"])
            user = find_by_phone(normalised)
            if user is None:
                user = create_user(f"r{index[:12]}", actor=None, phone=normalised)
            record(AuditKind.LOGIN_SUCCEEDED, actor=user, obj=user, note="phone code")
        else:
            # The miss is counted and committed; the error is raised after the transaction.
            pending.attempts += 1
            pending.save(update_fields=["attempts"])
    if not right or user is None:
        raise PeopleError(_("The code is not right."), field="code")
    return user
