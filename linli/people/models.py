from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core import crypto
from linli.core.access import scope_prefixes, scope_q
from linli.core.fields import EncryptedTextField


class UserQuerySet(models.QuerySet["User"]):
    def visible_to(self, user: Any) -> UserQuerySet:
        """Staff see the people who hold roles in units of their jurisdiction, and themselves;
        everyone else sees only themselves."""
        prefixes = scope_prefixes(user)
        if prefixes is None:
            return self.all()
        own = models.Q(pk=getattr(user, "pk", None))
        if not prefixes:
            return self.filter(own)
        in_scope = Membership.objects.filter(
            scope_q(user, "unit__area_code"), is_active=True
        ).values("user_id")
        return self.filter(own | models.Q(pk__in=in_scope))


class LinliUserManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    """Anyone who signs in: residents (phone + one-time code) and staff (password + TOTP).

    Personal data is encrypted; ``*_index`` columns are blind indexes for exact lookups.
    """

    full_name = EncryptedTextField(_("full name"), blank=True)
    phone = EncryptedTextField(_("mobile phone"), blank=True)
    phone_index = models.CharField(max_length=40, blank=True, db_index=True, editable=False)
    id_number = EncryptedTextField(_("ID number"), blank=True)
    id_number_index = models.CharField(max_length=40, blank=True, db_index=True, editable=False)
    is_real_name = models.BooleanField(_("real-name verified"), default=False)
    is_demo = models.BooleanField(_("demo account"), default=False)

    objects = LinliUserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                fields=["phone_index"], condition=~Q(phone_index=""), name="user_phone_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.username

    @property
    def masked_name(self) -> str:
        return crypto.mask_name(self.full_name) if self.full_name else self.username

    @property
    def masked_phone(self) -> str:
        return crypto.mask_phone(self.phone) if self.phone else ""

    @property
    def masked_id_number(self) -> str:
        return crypto.mask_id_number(self.id_number) if self.id_number else ""


class UnitQuerySet(models.QuerySet["Unit"]):
    def visible_to(self, user: Any) -> UnitQuerySet:
        return self.filter(scope_q(user, "area_code"))


class Unit(models.Model):
    """Any body that handles work. Its jurisdiction is an area code prefix (GB/T 2260 and our
    extension below it), so 'what lies in my areas' is a prefix match with no tree to maintain."""

    class Kind(models.TextChoices):
        POLICE_BUREAU = "police_bureau", _("district police bureau")
        POLICE_STATION = "police_station", _("police station")
        POLICE_ROOM = "police_room", _("police room")
        TRAFFIC_SQUAD = "traffic_squad", _("traffic police squad")
        DISTRICT_DEPARTMENT = "district_department", _("district department")
        SOCIAL_ORGANISATION = "social_organisation", _("social organisation")
        COMMUNITY_COMMITTEE = "community_committee", _("community committee")
        STREET_OFFICE = "street_office", _("street office")
        DISTRICT_OFFICE = "district_office", _("district office")
        COMMAND_CENTRE = "command_centre", _("command centre")

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices, db_index=True)
    area_code = models.CharField(_("area code"), max_length=32, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # For a district department: the key of the categories' ``department`` it is (for example
    # "urban_management"), so cases of those categories reach it at the district tier.
    department = models.CharField(
        _("department key"),
        max_length=64,
        blank=True,
        db_index=True,
        help_text=_("For a district department: the key the case categories name it by."),
    )

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    RESIDENT = "resident", _("resident")
    OFFICER = "officer", _("community police officer")
    AUXILIARY = "auxiliary", _("auxiliary police")
    TRAFFIC_OFFICER = "traffic_officer", _("traffic police officer")
    GRID_WORKER = "grid_worker", _("grid worker")
    VOLUNTEER = "volunteer", _("volunteer")
    STREET_STAFF = "street_staff", _("street staff")
    DISTRICT_STAFF = "district_staff", _("district staff")
    DEPARTMENT_STAFF = "department_staff", _("department staff")
    COMMANDER = "commander", _("commander")
    ADMINISTRATOR = "administrator", _("administrator")


STAFF_ROLES = frozenset(Role) - {Role.RESIDENT, Role.VOLUNTEER}


def is_staff(user: Any) -> bool:
    """An active staff role anywhere (officers, auxiliaries, street and district staff …)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return Membership.objects.filter(
        user_id=user.pk,
        is_active=True,
        unit__is_active=True,
        role__in=[str(r) for r in STAFF_ROLES],
    ).exists()


class MembershipQuerySet(models.QuerySet["Membership"]):
    def visible_to(self, user: Any) -> MembershipQuerySet:
        return self.filter(scope_q(user, "unit__area_code") | models.Q(user_id=user.pk))


class Membership(models.Model):
    """A role held by a user in a unit; its scope is the unit's area."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)
    since = models.DateField(_("since"), default=timezone.localdate)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit}"


class ShiftQuerySet(models.QuerySet["Shift"]):
    def visible_to(self, user: Any) -> ShiftQuerySet:
        return self.filter(scope_q(user, "unit__area_code") | models.Q(officer_id=user.pk))


class Shift(models.Model):
    """A duty shift of an officer for a police room (or any unit that keeps a roster)."""

    class Post(models.TextChoices):
        PRIMARY = "primary", _("on duty")
        BACKUP = "backup", _("backup")

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="shifts")
    officer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="shifts")
    post = models.CharField(_("post"), max_length=16, choices=Post.choices, default=Post.PRIMARY)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))

    objects = ShiftQuerySet.as_manager()

    class Meta:
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty shifts")
        ordering = ["unit", "starts_at"]
        # Serves "who is on duty in this unit at time t": unit = ? AND starts_at <= t < ends_at.
        indexes = [models.Index(fields=["unit", "starts_at", "ends_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.get_post_display()} {self.starts_at:%Y-%m-%d %H:%M}"


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 digest is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class LoginCode(models.Model):
    """A one-time sign-in code sent to a phone. Only a keyed digest of the code is kept."""

    phone_index = models.CharField(max_length=40, db_index=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in code")
        verbose_name_plural = _("sign-in codes")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M}"


class SmsMessage(models.Model):
    """The outbox of the local SMS backend, and a log of what real gateways were asked to send."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    phone = EncryptedTextField(_("phone"))
    body = EncryptedTextField(_("text"))
    backend = models.CharField(_("backend"), max_length=100)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    provider_id = models.CharField(_("provider message id"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("SMS message")
        verbose_name_plural = _("SMS outbox")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{crypto.mask_phone(self.phone)} {self.created_at:%Y-%m-%d %H:%M}"
