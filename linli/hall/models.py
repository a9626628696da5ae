"""The catalogue of matters (事项) of the online service hall: what a resident can apply for,
under which conditions, with which materials, at what fee, in how many working days, through
which channels, and the form the applicant fills (declared as JSON, see ``forms_spec``)."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from linli.core.fields import EncryptedTextField
from linli.hall.forms_spec import DeclarationError, check_declaration

CODE_PATTERN = r"^[a-z][a-z0-9_]{1,31}\Z"


class Domain(models.TextChoices):
    HOUSEHOLD = "household", _("household registration")
    EXIT_ENTRY = "exit_entry", _("exit and entry")
    TRAFFIC = "traffic", _("traffic administration")
    PUBLIC_ORDER = "public_order", _("public order and licences")
    CYBER = "cyber", _("cyber security")
    NARCOTICS = "narcotics", _("narcotics control")
    OTHER = "other", _("other certificates")


class Kind(models.TextChoices):
    LICENCE = "licence", _("administrative licence")
    REGISTRATION = "registration", _("registration")
    CERTIFICATE = "certificate", _("certificate")
    QUERY = "query", _("query")
    FILING = "filing", _("filing")


class Level(models.TextChoices):
    POLICE_ROOM = "police_room", _("police room")
    STATION = "station", _("police station")
    DISTRICT_BUREAU = "district_bureau", _("district public security bureau")
    CITY_BUREAU = "city_bureau", _("city public security bureau")


class Channel(models.TextChoices):
    ONLINE = "online", _("online")
    POLICE_ROOM = "police_room", _("at a police room")
    WINDOW = "window", _("at a service window")


class CertificateType(models.TextChoices):
    """Certificates the e-certificate library (电子证照库) can supply by ID number."""

    HOUSEHOLD_REGISTER = "household_register", _("household register")
    ID_CARD = "id_card", _("resident identity card")
    BUSINESS_LICENCE = "business_licence", _("business licence")
    PROPERTY_CERTIFICATE = "property_certificate", _("real estate certificate")
    MARRIAGE_CERTIFICATE = "marriage_certificate", _("marriage certificate")
    SOCIAL_INSURANCE = "social_insurance", _("social insurance record")
    RESIDENCE_PERMIT = "residence_permit", _("residence permit")
    BIRTH_CERTIFICATE = "birth_certificate", _("medical birth certificate")
    DRIVING_LICENCE = "driving_licence", _("driving licence")
    VEHICLE_LICENCE = "vehicle_licence", _("vehicle licence")


def yuan(fen: int) -> str:
    """Money is integer fen; residents read yuan: 12000 → "120", 1050 → "10.50"."""
    whole, rest = divmod(fen, 100)
    return f"{whole}.{rest:02d}" if rest else str(whole)


def nul_errors(row: models.Model) -> dict[str, list[str]]:
    """NUL characters, which PostgreSQL refuses, in any text of the row (an import or a JSON
    escape can carry one where a form field would have refused it)."""
    return {
        field.name: [gettext("The text contains characters that are not allowed.")]
        for field in row._meta.concrete_fields
        if _has_nul(getattr(row, field.attname))
    }


def _has_nul(value: Any) -> bool:
    pending = [value]  # a loop, not recursion: a JSON value may be nested very deep
    while pending:
        item = pending.pop()
        if isinstance(item, str) and "\x00" in item:
            return True
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return False


def is_code(text: str) -> bool:
    """Whether ``text`` can be a matter code (checked before it reaches the database)."""
    return re.match(CODE_PATTERN, text) is not None


class MatterQuerySet(models.QuerySet["Matter"]):
    def active(self) -> MatterQuerySet:
        return self.filter(is_active=True)

    def search(self, text: str) -> MatterQuerySet:
        """Substring search over the name, the conditions and the material names."""
        text = text.strip()
        if not text:
            return self
        in_materials = Material.objects.filter(name__contains=text).values("matter_id")
        return self.filter(
            Q(name_zh__contains=text)
            | Q(name_en__icontains=text)
            | Q(conditions__contains=text)
            | Q(pk__in=in_materials)
        )


class Matter(models.Model):
    code = models.CharField(
        _("code"),
        max_length=32,
        unique=True,
        validators=[
            RegexValidator(
                CODE_PATTERN,
                _("Use 2–32 lower-case letters, digits and _, starting with a letter."),
            )
        ],
        help_text=_("Stable code in lower case, such as passport; bookings refer to it."),
    )
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=150)
    domain = models.CharField(_("domain"), max_length=16, choices=Domain.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    level = models.CharField(_("handling level"), max_length=16, choices=Level.choices)
    agency = models.CharField(_("handling agency"), max_length=100, blank=True)
    conditions = models.TextField(_("conditions"), blank=True)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    fee_fen = models.PositiveIntegerField(_("fee (fen)"), default=0)
    fee_note = models.CharField(_("fee note"), max_length=200, blank=True)
    promised_days = models.PositiveSmallIntegerField(_("promised time limit (working days)"))
    statutory_days = models.PositiveSmallIntegerField(_("statutory time limit (working days)"))
    channels = models.JSONField(_("channels"), default=list)
    trips = models.PositiveSmallIntegerField(_("trips needed"), default=1)
    delegated_to_police_rooms = models.BooleanField(
        _("delegated to every police room"), default=False
    )
    is_active = models.BooleanField(_("active"), default=True)
    form = models.JSONField(_("application form fields"), default=list, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = MatterQuerySet.as_manager()

    class Meta:
        verbose_name = _("matter")
        verbose_name_plural = _("matters")
        ordering = ["position", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(trips__lte=1), name="matter_trips_0_or_1"),
            models.CheckConstraint(
                condition=Q(promised_days__lte=models.F("statutory_days")),
                name="matter_promised_within_statutory",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name_zh} ({self.code})"

    def clean(self) -> None:
        errors = nul_errors(self)
        channels = self.channels
        if (
            not isinstance(channels, list)
            or not channels
            or len(set(map(str, channels))) != len(channels)
            or not set(map(str, channels)) <= set(Channel.values)
        ):
            errors["channels"] = [
                gettext("Choose one or more of: %(values)s.")
                % {"values": ", ".join(Channel.values)}
            ]
        if (
            isinstance(self.promised_days, int)
            and isinstance(self.statutory_days, int)
            and self.promised_days > self.statutory_days
        ):
            errors["promised_days"] = [
                gettext("The promised time limit cannot be longer than the statutory one.")
            ]
        if isinstance(self.trips, int) and self.trips > 1:
            errors["trips"] = [gettext("A matter needs at most one trip: 0 or 1.")]
        try:
            self.form = check_declaration(self.form)
        except DeclarationError as exc:
            errors["form"] = exc.messages
        if errors:
            raise ValidationError(errors)

    @property
    def channel_labels(self) -> list[Any]:
        return [Channel(c).label for c in self.channels if c in Channel.values]

    @property
    def fee_yuan(self) -> str:
        return yuan(self.fee_fen)


class Material(models.Model):
    matter = models.ForeignKey(
        Matter, verbose_name=_("matter"), on_delete=models.CASCADE, related_name="materials"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("name"), max_length=200)
    required = models.BooleanField(_("required"), default=True)
    certificate_type = models.CharField(
        _("e-certificate type"),
        max_length=32,
        blank=True,
        choices=CertificateType.choices,
        help_text=_("When set, the e-certificate library supplies it: nothing to hand in."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["matter", "position", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = nul_errors(self)
        if errors:
            raise ValidationError(errors)


# --- the e-certificate library (电子证照库) ---------------------------------------------------


class CertificateQuerySet(models.QuerySet["Certificate"]):
    def held_by(self, id_number_index: str) -> CertificateQuerySet:
        """The certificates of the person with this blind-indexed ID number."""
        if not id_number_index:
            return self.none()
        return self.filter(holder_index=id_number_index)

    def valid_on(self, day: Any) -> CertificateQuerySet:
        return self.filter(revoked=False, valid_from__lte=day).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=day)
        )


class Certificate(models.Model):
    """One certificate in the e-certificate library, which other agencies issue and Linli may
    read: a household register, a business licence, a property certificate … It belongs to a
    person by the blind index of their ID number (for a business licence: of the legal
    representative). Its holder and contents are personal data, encrypted at rest."""

    cert_type = models.CharField(_("type"), max_length=32, choices=CertificateType.choices)
    number = models.CharField(_("certificate number"), max_length=64)
    holder_name = EncryptedTextField(_("holder"))
    holder_id_number = EncryptedTextField(_("holder's ID number"))
    holder_index = models.CharField(max_length=40, db_index=True, editable=False)
    subject = models.CharField(
        _("subject"), max_length=200, blank=True, help_text=_("e.g. the company or the property")
    )
    issuer = models.CharField(_("issued by"), max_length=100)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    revoked = models.BooleanField(_("revoked"), default=False)
    contents = EncryptedTextField(_("contents (JSON)"), blank=True, default="")

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("e-certificate")
        verbose_name_plural = _("e-certificates")
        ordering = ["cert_type", "-valid_from", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cert_type", "number"], name="certificate_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_cert_type_display()} {self.masked_number}"

    @property
    def masked_number(self) -> str:
        """Enough of the number to recognise it: the first four and the last four."""
        number = self.number
        return number if len(number) <= 8 else f"{number[:4]}…{number[-4:]}"


# --- applications (办件) ----------------------------------------------------------------------


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("application", "submitted")
    ACCEPTED = "accepted", pgettext_lazy("application", "accepted")
    MORE_NEEDED = "more_needed", pgettext_lazy("application", "more materials needed")
    RESUBMITTED = "resubmitted", pgettext_lazy("application", "resubmitted")
    APPROVED = "approved", pgettext_lazy("application", "approved")
    REFUSED = "refused", pgettext_lazy("application", "refused")
    ISSUED = "issued", pgettext_lazy("application", "issued")
    DELIVERED = "delivered", pgettext_lazy("application", "posted")
    COLLECTED = "collected", pgettext_lazy("application", "collected")


class Delivery(models.TextChoices):
    POST = "post", _("by post")
    WINDOW = "window", _("collect at the window")


class ApplicationQuerySet(models.QuerySet["Application"]):
    def visible_to(self, user: Any) -> ApplicationQuerySet:
        """The applicant's own applications, and staff's within their jurisdiction."""
        from linli.core.access import scope_prefixes, scope_q

        if not getattr(user, "is_authenticated", False):
            return self.none()
        if scope_prefixes(user) is None:
            return self.all()
        return self.filter(Q(applicant_id=user.pk) | scope_q(user, "area_code"))

    def numbered(self, number: str) -> ApplicationQuerySet:
        if not APPLICATION_NUMBER.match(number):
            return self.none()
        return self.filter(number=number)

    def open(self) -> ApplicationQuerySet:
        return self.filter(status__in=Application.OPEN_STATUSES)


APPLICATION_NUMBER = re.compile(r"^A[0-9]{8}[0-9]{4,8}\Z")
PERMIT_NUMBER = re.compile(r"^[0-9]{14,20}\Z")


class Application(models.Model):
    """One application for a matter: what the applicant filled in, where each material comes
    from, the fee, the deadline from the matter's promised time limit, and the result."""

    Status = ApplicationStatus
    # Who moves an application where: the applicant resubmits, staff do the rest.
    ALLOWED: dict[str, set[str]] = {
        Status.SUBMITTED: {Status.ACCEPTED, Status.MORE_NEEDED, Status.REFUSED},
        Status.ACCEPTED: {Status.MORE_NEEDED, Status.APPROVED, Status.REFUSED},
        Status.MORE_NEEDED: {Status.RESUBMITTED, Status.REFUSED},
        Status.RESUBMITTED: {Status.ACCEPTED, Status.MORE_NEEDED, Status.APPROVED, Status.REFUSED},
        Status.APPROVED: {Status.ISSUED},
        Status.ISSUED: {Status.DELIVERED, Status.COLLECTED},
        Status.REFUSED: set(),
        Status.DELIVERED: set(),
        Status.COLLECTED: set(),
    }
    # The deadline runs in these (it stops while the applicant owes materials).
    OPEN_STATUSES = (Status.SUBMITTED, Status.ACCEPTED, Status.RESUBMITTED)
    FINISHED_STATUSES = (Status.REFUSED, Status.DELIVERED, Status.COLLECTED)

    number = models.CharField(_("number"), max_length=24, unique=True)
    matter = models.ForeignKey(
        Matter, verbose_name=_("matter"), on_delete=models.PROTECT, related_name="applications"
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant"),
        on_delete=models.PROTECT,
        related_name="hall_applications",
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filed by (代办)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The area of the unit that handles it: staff of that area see it.
    area_code = models.CharField(_("area code"), max_length=32, db_index=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ApplicationStatus.choices, default=Status.SUBMITTED
    )
    answers = EncryptedTextField(_("answers (JSON)"))
    delivery = models.CharField(_("delivery"), max_length=8, choices=Delivery.choices)
    delivery_address = EncryptedTextField(_("postal address"), blank=True, default="")
    fee_fen = models.PositiveIntegerField(_("fee (fen)"), default=0)
    submitted_at = models.DateTimeField(_("submitted at"))
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    warn_at = models.DateTimeField(_("warn at"), null=True, blank=True)
    warned_at = models.DateTimeField(_("warned at"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("marked overdue at"), null=True, blank=True)
    paused_at = models.DateTimeField(_("clock stopped at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    permit_number = models.CharField(_("permit number"), max_length=32, blank=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    carrier = models.CharField(_("carrier"), max_length=40, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=40, blank=True)
    finished_at = models.DateTimeField(_("posted or collected at"), null=True, blank=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["applicant", "-submitted_at"], name="application_mine"),
            models.Index(fields=["area_code", "status", "due_at"], name="application_queue"),
            # the sweeps: open applications past their warning point or deadline
            models.Index(
                fields=["warn_at"],
                condition=Q(status__in=["submitted", "accepted", "resubmitted"])
                & Q(warned_at__isnull=True),
                name="application_warn_idx",
            ),
            models.Index(
                fields=["due_at"],
                condition=Q(status__in=["submitted", "accepted", "resubmitted"])
                & Q(overdue_at__isnull=True),
                name="application_due_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["permit_number"], condition=~Q(permit_number=""), name="permit_unique"
            )
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def fee_yuan(self) -> str:
        return yuan(self.fee_fen)

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.overdue_at is not None and self.status in (
            *self.OPEN_STATUSES,
            self.Status.MORE_NEEDED,
        )


class ApplicationMaterial(models.Model):
    """Where one material of an application comes from: the library (nothing to bring), an
    upload, or nowhere yet (to hand in)."""

    class Source(models.TextChoices):
        LIBRARY = "library", _("fetched from the library, nothing to bring")
        UPLOAD = "upload", _("uploaded")
        MISSING = "missing", _("to hand in")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="materials")
    material = models.ForeignKey(
        Material, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("name"), max_length=200)
    required = models.BooleanField(_("required"), default=True)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    certificate = models.ForeignKey(
        Certificate, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    upload = models.FileField(_("file"), upload_to="hall/materials/%Y/%m/", blank=True)
    fetched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    fetched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("application material")
        verbose_name_plural = _("application materials")
        ordering = ["application", "position", "id"]

    def __str__(self) -> str:
        return self.name


class ApplicationEvent(models.Model):
    """The timeline: every status change with its reason, fetches, warnings, payments. The
    applicant sees the public events."""

    class Kind(models.TextChoices):
        STATUS = "status", _("status changed")
        FETCHED = "fetched", _("certificate fetched from the library")
        UPLOADED = "uploaded", _("material handed in as a file")
        WARNED = "warned", _("deadline near")
        OVERDUE = "overdue", _("deadline passed")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    status = models.CharField(max_length=16, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()
    note = models.TextField(blank=True)
    public = models.BooleanField(default=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.application_id} {self.kind} {self.status}"

    def get_status_label(self) -> str:
        return str(ApplicationStatus(self.status).label) if self.status else ""


class ApplicationCounter(models.Model):
    """Per-day sequence for application numbers."""

    day = models.DateField(unique=True)
    value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day} {self.value}"
