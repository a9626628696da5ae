"""Texts to the applicant when their application needs them or is done: more materials are
needed, it was refused, the certificate is ready at the window or was posted; and to the
handlers when an application nears or passes its deadline. Queued as a task inside the step's
own transaction (as the case engine does), so a rolled-back step texts nobody and a committed one
is never forgotten."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from linli.hall.models import Application, ApplicationEvent, ApplicationStatus, Delivery
from linli.people import sms
from linli.people.duty import officers_on_duty
from linli.people.models import Membership, Role, Unit

# Without an officer on duty in the handling unit, at most this many of the people who decide
# its applications are texted (the hall's deciding roles below the command).
MAX_HANDLERS_TEXTED = 5
TEXTED_ROLES = (Role.OFFICER, Role.TRAFFIC_OFFICER, Role.DISTRICT_STAFF)

TOLD = {
    ApplicationStatus.MORE_NEEDED,
    ApplicationStatus.REFUSED,
    ApplicationStatus.ISSUED,
    ApplicationStatus.DELIVERED,
}


def queue(application: Application, status: str, reason: str = "") -> None:
    if status in TOLD:
        tell_applicant.enqueue(application.pk, status, reason[:200])


def text(application: Application, status: str, reason: str) -> str:
    values = {
        "number": application.number,
        "matter": application.matter.name_zh,
        "reason": reason,
        "carrier": application.carrier,
        "tracking": application.tracking_number,
    }
    if status == ApplicationStatus.MORE_NEEDED:
        message = _("Your application %(number)s (%(matter)s) needs more materials: %(reason)s")
    elif status == ApplicationStatus.REFUSED:
        message = _("Your application %(number)s (%(matter)s) was refused: %(reason)s")
    elif status == ApplicationStatus.ISSUED and application.delivery == Delivery.WINDOW:
        message = _("Your certificate for %(number)s (%(matter)s) is ready at the window.")
    elif status == ApplicationStatus.ISSUED:
        message = _("Your certificate for %(number)s (%(matter)s) is issued and will be posted.")
    else:
        message = _("Your certificate for %(number)s was posted: %(carrier)s %(tracking)s.")
    return message % values


@task()
def tell_applicant(application_id: int, status: str, reason: str = "") -> None:
    # Texts go out in the deployment's language, whatever the worker thread had active.
    with translation.override(settings.LANGUAGE_CODE):
        application = (
            Application.objects.select_related("matter", "applicant")
            .filter(pk=application_id)
            .first()
        )
        if application is None or not application.applicant.phone:
            return
        sms.send(application.applicant.phone, text(application, status, reason))


def handler_text(application: Application, kind: str) -> str:
    values = {"number": application.number, "matter": application.matter.name_zh}
    if kind == ApplicationEvent.Kind.WARNED:
        return _("Application %(number)s (%(matter)s) is close to its deadline.") % values
    return _("Application %(number)s (%(matter)s) is past its promised time limit.") % values


def handlers_to_text(application: Application) -> list[str]:
    """Phones of the handling unit's people to tell: its officer on duty, or else up to five of
    the people who decide there (the unit is the one whose area the application belongs to)."""
    units = list(
        Unit.objects.filter(area_code=application.area_code, is_active=True).values_list(
            "pk", flat=True
        )
    )
    on_duty = [o.phone for o in officers_on_duty(units).values() if o.phone]
    if on_duty:
        return sorted(set(on_duty))
    phones = (
        Membership.objects.filter(
            unit_id__in=units, is_active=True, role__in=TEXTED_ROLES, user__is_active=True
        )
        .order_by("user_id")
        .values_list("user__phone", flat=True)
    )
    # Phones are encrypted, so "has one" is decided after decrypting, not in the query.
    return sorted({phone for phone in phones if phone})[:MAX_HANDLERS_TEXTED]


@task()
def tell_handlers(application_id: int, kind: str) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        application = (
            Application.objects.select_related("matter")
            .filter(pk=application_id, status__in=Application.OPEN_STATUSES)
            .first()
        )
        if application is None:  # decided meanwhile: nothing to hurry
            return
        message = handler_text(application, kind)
        for phone in handlers_to_text(application):
            sms.send(phone, message)
