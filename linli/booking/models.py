"""Service points, their opening plans, slots with capacity, bookings, door-to-door visits and
the live window queue (窗口千里眼). Matters are referred to by their catalogue code string."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from linli.core.access import scope_prefixes
from linli.people.models import STAFF_ROLES, Membership, Role, Unit

# Who does door-to-door visits: the police room's and station's officers and auxiliaries, the
# street's staff and the community's grid workers, each in the area of their unit.
VISIT_ROLES = frozenset({Role.OFFICER, Role.AUXILIARY, Role.STREET_STAFF, Role.GRID_WORKER})


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


class ServicePointQuerySet(models.QuerySet["ServicePoint"]):
    def staffed_by(self, user: Any) -> ServicePointQuerySet:
        """The points whose unit ``user`` works in (an active staff role); all for a superuser."""
        if not _signed_in(user):
            return self.none()
        if user.is_superuser:
            return self.all()
        units = Membership.objects.filter(
            user_id=user.pk,
            is_active=True,
            unit__is_active=True,
            role__in=[str(r) for r in STAFF_ROLES],
        ).values("unit_id")
        return self.filter(unit_id__in=units)


class ServicePoint(models.Model):
    class Kind(models.TextChoices):
        DISTRICT_HALL = "district_hall", _("district service hall")
        STATION_HALL = "station_hall", _("police station hall")
        POLICE_ROOM = "police_room", _("police room")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.SET_NULL
    )
    area_code = models.CharField(_("area code"), max_length=32, blank=True, db_index=True)
    # Where the point is (WGS 84): a resident checking in by phone must be near it. Empty when
    # unknown: they then check in with the code on the hall's screen.
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ServicePointQuerySet.as_manager()

    class Meta:
        verbose_name = _("service point")
        verbose_name_plural = _("service points")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(lon__isnull=True, lat__isnull=True)
                | Q(lon__gte=-180, lon__lte=180, lat__gte=-90, lat__lte=90),
                name="point_position_valid",
            )
        ]

    def __str__(self) -> str:
        return self.name


class WindowQuerySet(models.QuerySet["Window"]):
    def staffed_by(self, user: Any) -> WindowQuerySet:
        """The windows of the points ``user`` works at: the only windows they may operate."""
        return self.filter(point__in=ServicePoint.objects.staffed_by(user))


class Window(models.Model):
    point = models.ForeignKey(ServicePoint, on_delete=models.CASCADE, related_name="windows")
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=100)
    matters = models.JSONField(_("matter codes served"), default=list, blank=True)

    objects = WindowQuerySet.as_manager()

    class Meta:
        verbose_name = _("window")
        verbose_name_plural = _("windows")
        ordering = ["point", "number"]
        constraints = [
            models.UniqueConstraint(fields=["point", "number"], name="window_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.point} · {self.number}"


class OpeningPlan(models.Model):
    """One weekday's opening (0 = Monday). A 调休 weekend workday follows Monday's plan."""

    point = models.ForeignKey(ServicePoint, on_delete=models.CASCADE, related_name="plans")
    weekday = models.PositiveSmallIntegerField(_("weekday"))
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))
    slot_minutes = models.PositiveSmallIntegerField(_("slot minutes"), default=30)
    capacity = models.PositiveSmallIntegerField(_("capacity per slot"), default=4)

    class Meta:
        verbose_name = _("opening plan")
        verbose_name_plural = _("opening plans")
        constraints = [
            models.UniqueConstraint(fields=["point", "weekday"], name="plan_weekday_unique"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="plan_weekday_range"),
            models.CheckConstraint(condition=Q(closes__gt=F("opens")), name="plan_closes_after"),
            models.CheckConstraint(condition=Q(slot_minutes__gt=0), name="plan_slot_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.point} · {self.weekday}"


class PlanException(models.Model):
    """A date that departs from the weekly plan: closed, or open with its own hours."""

    point = models.ForeignKey(ServicePoint, on_delete=models.CASCADE, related_name="exceptions")
    date = models.DateField(_("date"))
    is_open = models.BooleanField(_("open"), default=False)
    opens = models.TimeField(_("opens"), null=True, blank=True)
    closes = models.TimeField(_("closes"), null=True, blank=True)
    capacity = models.PositiveSmallIntegerField(_("capacity per slot"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("opening exception")
        verbose_name_plural = _("opening exceptions")
        constraints = [
            models.UniqueConstraint(fields=["point", "date"], name="plan_exception_unique")
        ]

    def __str__(self) -> str:
        return f"{self.point} · {self.date}"


class Slot(models.Model):
    """A bookable period, created on demand; ``booked`` is changed only under a row lock."""

    point = models.ForeignKey(ServicePoint, on_delete=models.CASCADE, related_name="slots")
    date = models.DateField(_("date"))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveSmallIntegerField(_("capacity"))
    booked = models.PositiveSmallIntegerField(_("booked"), default=0)

    class Meta:
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["point", "starts_at"], name="slot_start_unique"),
            models.CheckConstraint(condition=Q(booked__lte=F("capacity")), name="slot_not_over"),
        ]

    def __str__(self) -> str:
        return f"{self.point} · {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def free(self) -> int:
        return max(self.capacity - self.booked, 0)


class Booking(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", _("booked")
        CANCELLED = "cancelled", _("cancelled")
        COMPLETED = "completed", _("completed")
        NO_SHOW = "no_show", _("did not come")

    reference = models.CharField(_("reference"), max_length=16, unique=True)
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="bookings")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings"
    )
    matter = models.CharField(_("matter code"), max_length=32, blank=True, db_index=True)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("officer consulted"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consultations",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.BOOKED
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "person"],
                condition=Q(status="booked"),
                name="booking_once_per_slot",
            )
        ]

    def __str__(self) -> str:
        return self.reference


class VisitQuerySet(models.QuerySet["Visit"]):
    def unassigned_for(self, user: Any) -> VisitQuerySet:
        """Requested visits that no officer was assigned (the place has no police room, or the
        room nobody on duty), in the areas where ``user`` does visits: a prefix of the place's
        area code is the area of a unit in which they hold one of ``VISIT_ROLES``."""
        if not _signed_in(user):
            return self.none()
        waiting = self.filter(officer__isnull=True, status=Visit.Status.REQUESTED)
        if scope_prefixes(user) is None:  # superusers, commanders and administrators
            return waiting
        areas = Membership.objects.filter(
            user_id=user.pk,
            is_active=True,
            unit__is_active=True,
            role__in=[str(r) for r in VISIT_ROLES],
        ).values_list("unit__area_code", flat=True)
        condition = Q(pk__in=[])
        for prefix in {area for area in areas if area}:
            condition |= Q(area_code__startswith=prefix)
        return waiting.filter(condition)

    def visible_to(self, user: Any) -> VisitQuerySet:
        """A resident's own visits, those assigned to an officer, and the unassigned ones in
        their areas."""
        if not _signed_in(user):
            return self.none()
        unassigned = self.unassigned_for(user).values("pk")
        return self.filter(Q(resident_id=user.pk) | Q(officer_id=user.pk) | Q(pk__in=unassigned))


class Visit(models.Model):
    """A door-to-door visit (上门服务) asked by a resident and done by the grid's officer."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("requested")
        PROPOSED = "proposed", _("time proposed")
        ACCEPTED = "accepted", _("accepted")
        DONE = "done", _("done")
        CANCELLED = "cancelled", _("cancelled")

    reference = models.CharField(_("reference"), max_length=16, unique=True)
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visits_asked"
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits_assigned",
    )
    matter = models.CharField(_("matter code"), max_length=32, blank=True)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    area_code = models.CharField(_("area code"), max_length=32, blank=True, db_index=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.REQUESTED
    )
    proposed_at = models.DateTimeField(_("proposed time"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("door-to-door visit")
        verbose_name_plural = _("door-to-door visits")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.reference


class TicketQuerySet(models.QuerySet["Ticket"]):
    def visible_to(self, user: Any) -> TicketQuerySet:
        """A holder's own tickets, and every ticket of the points where ``user`` works."""
        if not _signed_in(user):
            return self.none()
        points = ServicePoint.objects.staffed_by(user).values("pk")
        return self.filter(Q(person_id=user.pk) | Q(point_id__in=points))


class Ticket(models.Model):
    """A number in a point's queue: taken remotely (arrive by a time) or on site."""

    class Kind(models.TextChoices):
        REMOTE = "remote", _("remote")
        ON_SITE = "on_site", _("on site")

    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting to arrive")
        CHECKED_IN = "checked_in", _("checked in")
        CALLED = "called", _("called")
        DONE = "done", _("served")
        EXPIRED = "expired", _("expired")

    point = models.ForeignKey(ServicePoint, on_delete=models.CASCADE, related_name="tickets")
    date = models.DateField(_("date"))
    number = models.PositiveIntegerField(_("number"))
    matter = models.CharField(_("matter code"), max_length=32, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    window = models.ForeignKey(Window, null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    arrive_by = models.DateTimeField(_("arrive by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    called_at = models.DateTimeField(_("called at"), null=True, blank=True)
    done_at = models.DateTimeField(_("served at"), null=True, blank=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("queue ticket")
        verbose_name_plural = _("queue tickets")
        ordering = ["date", "number"]
        constraints = [
            models.UniqueConstraint(fields=["point", "date", "number"], name="ticket_unique")
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{'R' if self.kind == self.Kind.REMOTE else 'A'}{self.number:03d}"
