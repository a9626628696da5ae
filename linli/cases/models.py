from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from linli.core.access import scope_prefixes
from linli.core.fields import EncryptedTextField
from linli.people.models import Unit


class Tier(models.TextChoices):
    COMMUNITY = "community", _("community")
    STREET = "street", _("street")
    DISTRICT = "district", _("district")


TIER_ORDER = [Tier.COMMUNITY, Tier.STREET, Tier.DISTRICT]


class Category(models.Model):
    """A node of the configurable category tree; top-level codes are stable contracts."""

    code = models.CharField(_("code"), max_length=64, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    police_matter = models.BooleanField(_("police matter"), default=False)
    urgent = models.BooleanField(_("urgent"), default=False)
    private = models.BooleanField(_("private"), default=False)
    unit_kind = models.CharField(
        _("default handling unit kind"), max_length=32, choices=Unit.Kind.choices
    )
    department = models.CharField(_("department key"), max_length=64, blank=True)
    deadline_community = models.PositiveSmallIntegerField(
        _("deadline at community tier"), default=2
    )
    deadline_street = models.PositiveSmallIntegerField(_("deadline at street tier"), default=3)
    deadline_district = models.PositiveSmallIntegerField(_("deadline at district tier"), default=5)
    open311_code = models.CharField(_("Open311 service code"), max_length=32, unique=True)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    emergency_numbers = models.JSONField(_("emergency numbers to call"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"

    @property
    def top(self) -> str:
        return self.code.split(".", 1)[0]

    def deadline_days(self, tier: str) -> int:
        return {
            Tier.COMMUNITY: self.deadline_community,
            Tier.STREET: self.deadline_street,
            Tier.DISTRICT: self.deadline_district,
        }[Tier(tier)]


class RoutingRule(models.Model):
    """category prefix × area code prefix × tier → unit; the most specific rule wins."""

    category_prefix = models.CharField(_("category prefix"), max_length=64, blank=True)
    area_prefix = models.CharField(_("area code prefix"), max_length=18, blank=True)
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices, blank=True)
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="routing_rules"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        constraints = [
            models.UniqueConstraint(
                fields=["category_prefix", "area_prefix", "tier"], name="routing_rule_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.category_prefix or '*'} × {self.area_prefix or '*'} × {self.tier or '*'}"


# Roles whose jurisdiction is an area rather than a unit: they see every case in it.
AREA_ROLES = frozenset({"street_staff", "district_staff"})


def staff_units(user: Any) -> list[int]:
    """The units in which ``user`` holds an active staff role."""
    from linli.people.models import STAFF_ROLES

    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        user.memberships.filter(
            is_active=True, unit__is_active=True, role__in=[str(r) for r in STAFF_ROLES]
        ).values_list("unit_id", flat=True)
    )


class CaseQuerySet(models.QuerySet["Case"]):
    def open(self) -> CaseQuerySet:
        return self.filter(status__in=Case.OPEN_STATUSES)

    def visible_to(self, user: Any) -> CaseQuerySet:
        """Administrators and commanders see every case; staff the cases of their units (and
        of the units below them) and those their units handled before or received a work
        order about; street
        and district staff every case in their area; a resident the cases they reported.
        An officer of another police room sees none of a room's cases."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if scope_prefixes(user) is None:
            return self.all()
        units = staff_units(user)
        condition = Q(reporter_id=user.pk)
        if units:
            condition |= (
                Q(unit_id__in=units)
                | Q(unit__parent_id__in=units)
                | Q(unit__parent__parent_id__in=units)
                | Q(owner_id=user.pk)
                # Every unit that appears in the timeline — it handled the case before an
                # escalation, or received a work order about it — keeps following it.
                | Q(pk__in=CaseEvent.objects.filter(unit_id__in=units).values("case_id"))
            )
        areas = user.memberships.filter(
            is_active=True, role__in=AREA_ROLES, unit__is_active=True
        ).values_list("unit__area_code", flat=True)
        for prefix in set(areas):
            condition |= Q(area_code__startswith=prefix)
        return self.filter(condition)


class Case(models.Model):
    """Anything a resident or an officer brings: a report, alarm, tip, mediation request…"""

    class Kind(models.TextChoices):
        REPORT = "report", _("report")
        ALARM = "alarm", _("online alarm")
        TIP = "tip", _("tip")
        MEDIATION = "mediation", _("mediation request")
        HELP = "help", _("request for help")
        CONSULT = "consult", _("consultation")

    class Channel(models.TextChoices):
        QR = "qr", _("QR code")
        WEB = "web", _("web portal")
        WECHAT = "wechat", _("WeChat")
        OPEN311 = "open311", _("Open311 app")
        PHONE = "phone", _("phone call (staff entry)")
        OFFICER = "officer", _("found by an officer")

    class Status(models.TextChoices):
        NEW = "new", _("new")
        ACCEPTED = "accepted", _("accepted")
        IN_PROGRESS = "in_progress", _("in progress")
        SUSPENDED = "suspended", _("suspended")
        RESOLVED = "resolved", _("resolved")
        CLOSED = "closed", _("closed")
        REJECTED = "rejected", _("rejected")
        DUPLICATE = "duplicate", _("duplicate")
        REOPENED = "reopened", _("reopened")

    OPEN_STATUSES = (Status.NEW, Status.ACCEPTED, Status.IN_PROGRESS, Status.REOPENED)
    # The deadline clock runs only in these; SUSPENDED stops it.
    ALLOWED = {
        Status.NEW: {Status.ACCEPTED, Status.REJECTED, Status.DUPLICATE},
        Status.ACCEPTED: {Status.IN_PROGRESS, Status.RESOLVED, Status.SUSPENDED, Status.DUPLICATE},
        Status.IN_PROGRESS: {Status.RESOLVED, Status.SUSPENDED},
        Status.SUSPENDED: {Status.IN_PROGRESS},
        Status.RESOLVED: {Status.CLOSED, Status.REOPENED},
        Status.REOPENED: {Status.IN_PROGRESS, Status.RESOLVED, Status.SUSPENDED},
        Status.CLOSED: set(),
        Status.REJECTED: set(),
        Status.DUPLICATE: set(),
    }

    # Unique by a constraint, not unique=True: that would add a second (LIKE) index on
    # PostgreSQL, which no query uses and every intake writes. So with the other indexes left
    # out below: the table has the indexes its queries use, each one costs every insert.
    number = models.CharField(_("number"), max_length=32)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    description = models.TextField(_("description"))
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    # The deepest area the point lies in (a micro-grid code where there is one): jurisdiction
    # checks are prefix matches on it.
    area_code = models.CharField(_("area code"), max_length=18, db_index=True)
    unit = models.ForeignKey(  # indexed first in case_unit_inbox_idx
        Unit,
        verbose_name=_("handling unit"),
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices, default=Tier.COMMUNITY)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.NEW
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("street leader owning it"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_cases",
    )
    reporter_name = EncryptedTextField(_("reporter's name"), blank=True)
    contact_phone = EncryptedTextField(_("contact phone"), blank=True)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    # Looked up only with the number (actions.case_by_follow_up_code): no index of its own.
    follow_up_digest = models.CharField(max_length=64, blank=True, editable=False)
    police_matter = models.BooleanField(_("police matter"), default=True)
    emergency = models.BooleanField(_("emergency"), default=False)
    needs_triage = models.BooleanField(_("waiting for human triage"), default=False)
    triage = models.JSONField(_("triage result"), default=dict, blank=True)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    created_at = models.DateTimeField(_("received at"), db_index=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Deadline of the current tier; warn_at is when the warning falls due (75% by default).
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    warn_at = models.DateTimeField(_("warn at"), null=True, blank=True)
    warned_at = models.DateTimeField(_("warned at"), null=True, blank=True)
    suspended_at = models.DateTimeField(_("suspended at"), null=True, blank=True)
    escalations = models.PositiveSmallIntegerField(_("escalations"), default=0)
    version = models.PositiveIntegerField(default=1)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["number"], name="case_number_unique")]
        indexes = [
            # The escalation sweep: WHERE status IN (open) AND due_at <= now ORDER BY due_at.
            models.Index(
                fields=["due_at"],
                name="case_open_due_idx",
                condition=Q(status__in=["new", "accepted", "in_progress", "reopened"]),
            ),
            # The warning sweep: open cases not yet warned whose warn_at passed.
            models.Index(
                fields=["warn_at"],
                name="case_open_warn_idx",
                condition=Q(
                    status__in=["new", "accepted", "in_progress", "reopened"],
                    warned_at__isnull=True,
                ),
            ),
            # The officer inbox: a unit's cases, newest first.
            models.Index(fields=["unit", "-created_at", "-id"], name="case_unit_inbox_idx"),
            # The human triage queue (inbox filter and count): open cases waiting for a person
            # to choose their category — few at any time, whatever the archive holds.
            models.Index(
                fields=["-created_at"],
                name="case_triage_queue_idx",
                condition=Q(
                    needs_triage=True, status__in=["new", "accepted", "in_progress", "reopened"]
                ),
            ),
            # Possible duplicates at intake: open cases in a small box around the new one.
            models.Index(
                fields=["lat", "lon"],
                name="case_open_place_idx",
                condition=Q(status__in=["new", "accepted", "in_progress", "reopened"]),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_running(self) -> bool:
        """Whether its deadline clock runs: open, and not suspended."""
        return self.status in self.OPEN_STATUSES


class CaseCounter(models.Model):
    """Per district and day sequence for human-readable case numbers."""

    district_code = models.CharField(max_length=6)
    day = models.DateField()
    value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["district_code", "day"], name="case_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.district_code}-{self.day:%Y%m%d}: {self.value}"


class CaseEvent(models.Model):
    """The timeline: every change to a case, with actor, time and reason."""

    class Kind(models.TextChoices):
        CREATED = "created", _("received")
        STATUS = "status", _("status changed")
        ROUTED = "routed", _("routed")
        WARNED = "warned", _("deadline warning")
        ESCALATED = "escalated", _("escalated")
        NOTE = "note", _("note")
        PHOTO = "photo", _("photo added")
        WORK_ORDER = "work_order", _("work order")
        MEDIATION = "mediation", _("mediation")
        FEEDBACK = "feedback", _("feedback")
        FOLLOW_UP = "follow_up", _("follow-up visit")
        MERGED = "merged", _("merged")
        TRIAGED = "triaged", _("triaged")

    case = models.ForeignKey(  # indexed first in the (case, at) index
        Case, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tier = models.CharField(max_length=16, blank=True)
    public = models.BooleanField(_("shown to the resident"), default=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class Photo(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="photos")
    work_order = models.ForeignKey(
        "WorkOrder", null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(_("photo"), upload_to="cases/%Y/%m/")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return self.image.name

    @property
    def url(self) -> str:
        """Where whoever is shown this photo fetches it: a signed link, valid for a day
        (``linli.cases.media``); media storage itself is never served as it is."""
        from linli.cases.media import photo_url

        return photo_url(self)


class WorkOrder(models.Model):
    """派单: work sent from one unit to another, e.g. community police → traffic squad."""

    class Status(models.TextChoices):
        SENT = "sent", _("sent")
        ACCEPTED = "accepted", _("accepted")
        RETURNED = "returned", _("returned")
        TRANSFERRED = "transferred", _("transferred")
        COMPLETED = "completed", _("completed")

    OPEN_STATUSES = (Status.SENT, Status.ACCEPTED)

    ALLOWED = {
        Status.SENT: {Status.ACCEPTED, Status.RETURNED, Status.TRANSFERRED},
        Status.ACCEPTED: {Status.COMPLETED, Status.RETURNED, Status.TRANSFERRED},
        Status.RETURNED: set(),
        Status.TRANSFERRED: set(),
        Status.COMPLETED: set(),
    }

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="work_orders")
    from_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    to_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="work_orders")
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SENT
    )
    instruction = models.TextField(_("instruction"))
    due_at = models.DateTimeField(_("due at"))
    result = models.TextField(_("result"), blank=True)
    reason = models.TextField(_("reason"), blank=True)
    transferred_to = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="transferred_from"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["to_unit", "status", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.to_unit_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class Mediation(models.Model):
    """A joint mediation session (street mediator, judicial office, police, shared court…)."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("scheduled")
        AGREED = "agreed", _("agreement reached")
        FAILED = "failed", _("no agreement")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="mediations")
    scheduled_at = models.DateTimeField(_("time"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    video_link = models.URLField(_("video link"), blank=True)
    units = models.ManyToManyField(Unit, verbose_name=_("units taking part"), related_name="+")
    parties = EncryptedTextField(_("parties"), blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.PENDING
    )
    agreement = models.TextField(_("agreement or reason for failure"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("mediation session")
        verbose_name_plural = _("mediation sessions")
        ordering = ["scheduled_at"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.scheduled_at:%Y-%m-%d %H:%M}"


class Feedback(models.Model):
    """The resident's confirmation and rating of the result (1–5)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="feedback")
    rating = models.PositiveSmallIntegerField(_("rating"))
    comment = models.TextField(_("comment"), blank=True)
    reopened = models.BooleanField(_("reopened"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="feedback_rating_1_5"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.rating}"

    @property
    def satisfied(self) -> bool:
        return self.rating >= 4


class Notification(models.Model):
    """An in-app notice to a user or a unit; SMS copies go through the SMS provider interface."""

    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=32)
    text = models.CharField(_("text"), max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "read_at"]),
            models.Index(fields=["unit", "read_at"]),
        ]

    def __str__(self) -> str:
        return self.text
