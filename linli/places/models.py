from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.people.models import Unit


class Level(models.TextChoices):
    DISTRICT = "district", _("district")
    STREET = "street", _("street")
    COMMUNITY = "community", _("community")
    GRID = "grid", _("grid")
    MICRO_GRID = "micro_grid", _("micro-grid")


# Code length per level: GB/T 2260 county code (6), then the national statistical division
# codes for street (9) and community (12), then our own extension: grid (15), micro-grid (18).
CODE_LENGTH = {
    Level.DISTRICT: 6,
    Level.STREET: 9,
    Level.COMMUNITY: 12,
    Level.GRID: 15,
    Level.MICRO_GRID: 18,
}
LEVEL_OF_LENGTH = {length: level for level, length in CODE_LENGTH.items()}
LEVEL_ORDER = list(CODE_LENGTH)


class AreaQuerySet(models.QuerySet["Area"]):
    def within(self, code: str) -> AreaQuerySet:
        """Areas whose code starts with ``code`` (the area itself and everything below it)."""
        return self.filter(code__startswith=code)


class Area(models.Model):
    """One node of district → street → community → grid → micro-grid. The hierarchy is the
    code itself (prefixes); ``parent`` is kept for convenient joins and checked on import."""

    code = models.CharField(_("code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # A GeoJSON geometry (Polygon or MultiPolygon, WGS 84 lon/lat).
    geometry = models.JSONField(_("boundary"), null=True, blank=True)
    centroid_lon = models.FloatField(null=True, blank=True)
    centroid_lat = models.FloatField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class PlacesVersion(models.Model):
    """A counter bumped by every action that changes areas or rooms; ``locate`` indexes in all
    processes compare it to know when to rebuild. One row, id 1."""

    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("places version")

    def __str__(self) -> str:
        return str(self.value)


class PoliceStation(models.Model):
    """派出所. Its unit carries the jurisdiction and staff."""

    unit = models.OneToOneField(Unit, on_delete=models.PROTECT, related_name="police_station")
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)

    class Meta:
        verbose_name = _("police station")
        verbose_name_plural = _("police stations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PoliceRoom(models.Model):
    """警务室: a community police room with its own brand (一室一品), hours and micro-grids."""

    unit = models.OneToOneField(Unit, on_delete=models.PROTECT, related_name="police_room")
    station = models.ForeignKey(
        PoliceStation,
        verbose_name=_("police station"),
        on_delete=models.PROTECT,
        related_name="rooms",
    )
    name = models.CharField(_("name"), max_length=100)
    brand = models.CharField(_("brand"), max_length=100, blank=True)
    theme = models.TextField(_("theme"), blank=True)
    address = models.CharField(_("address"), max_length=200)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    phone = models.CharField(_("phone"), max_length=32)
    # Weekly opening hours: {"mon": [["08:30", "17:30"]], ..., "sun": []}; see places.hours.
    hours = models.JSONField(_("opening hours"), default=dict)
    micro_grids = models.ManyToManyField(
        Area,
        verbose_name=_("micro-grids served"),
        related_name="police_rooms",
        blank=True,
        limit_choices_to={"level": Level.MICRO_GRID},
    )
    named_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("named officer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    backup_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("backup officer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("police room")
        verbose_name_plural = _("police rooms")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TrafficSquad(models.Model):
    """交警中队 and the areas it covers."""

    unit = models.OneToOneField(Unit, on_delete=models.PROTECT, related_name="traffic_squad")
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    areas = models.ManyToManyField(
        Area, verbose_name=_("areas covered"), related_name="traffic_squads"
    )

    class Meta:
        verbose_name = _("traffic squad")
        verbose_name_plural = _("traffic squads")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
