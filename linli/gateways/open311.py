"""Open311 GeoReport v2 at /open311/v2/ (http://wiki.open311.org/GeoReport_v2), every endpoint
in .json and .xml, with FixMyStreet's servicerequestupdates extension.

Mapping: services are the public, non-urgent categories (emergencies go to 110/119/120, private
ones such as tips stay off the public API); ``agency_responsible`` is the handling unit and
``expected_datetime`` the deadline of the current tier; open statuses are "open", the rest
"closed". Requests are created through the same intake as every other channel.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from linli.cases import actions
from linli.cases.actions.common import CaseError
from linli.cases.models import Case, CaseEvent, Category
from linli.core import identifiers
from linli.gateways.actions import client_for_key
from linli.places.locate import place_of_address

SPEC = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-25T00:00:00+08:00"
DEFAULT_WINDOW = timedelta(days=90)
MAX_RESULTS = 1000
KIND_BY_TOP = {"help": "help", "consult": "consult", "dispute": "mediation"}


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


# --- rendering -------------------------------------------------------------------------------


def _stamp(moment: datetime | None) -> str | None:
    """W3C datetime with the offset: 2026-11-25T10:00:00+08:00."""
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def _xml_value(parent: ET.Element, tag: str, value: Any, item_tags: dict[str, str]) -> None:
    node = ET.SubElement(parent, tag)
    if isinstance(value, dict):
        for key, inner in value.items():
            _xml_value(node, key, inner, item_tags)
    elif isinstance(value, list):
        for inner in value:
            _xml_value(node, item_tags.get(tag, "item"), inner, item_tags)
    elif isinstance(value, bool):
        node.text = "true" if value else "false"
    elif value is not None:
        node.text = str(value)


def render(
    request: HttpRequest, fmt: str, root: str, item: str | None, data: Any, status: int = 200
) -> HttpResponse:
    if fmt == "json":
        return JsonResponse(
            data, safe=False, status=status, json_dumps_params={"ensure_ascii": False}
        )
    item_tags = {"keywords": "keyword", "attributes": "attribute", "values": "value"}
    item_tags |= {"endpoints": "endpoint", "formats": "format"}
    top = ET.Element(root)
    if item is None:
        for key, value in data.items():
            _xml_value(top, key, value, item_tags)
    else:
        for entry in data:
            node = ET.SubElement(top, item)
            for key, value in entry.items():
                _xml_value(node, key, value, item_tags)
    body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8")
    return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")


def error_response(request: HttpRequest, fmt: str, status: int, description: str) -> HttpResponse:
    return render(
        request, fmt, "errors", "error", [{"code": status, "description": description}], status
    )


def endpoint(method: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Format check, method check and errors in the spec's shape for one view."""

    def wrap(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @csrf_exempt
        def handle(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
            if fmt not in ("json", "xml"):
                return error_response(request, "json", 404, _("Use .json or .xml."))
            methods = method.split("|")
            if request.method not in methods:
                response = error_response(request, fmt, 405, _("Method not allowed."))
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return view(request, fmt, **kwargs)
            except Open311Error as exc:
                return error_response(request, fmt, exc.status, exc.description)

        return handle

    return wrap


# --- services --------------------------------------------------------------------------------


def services_queryset() -> QuerySet[Category]:
    leaves = Category.objects.filter(is_active=True, private=False, urgent=False)
    return (
        leaves.exclude(code__startswith="emergency")
        .filter(~Q(children__is_active=True) | Q(children__isnull=True))
        .distinct()
        .order_by("code")
    )


def _service(category: Category, groups: dict[str, str]) -> dict[str, Any]:
    return {
        "service_code": category.open311_code,
        "service_name": category.name_zh,
        "description": category.name_en,
        "metadata": True,
        "type": "realtime",
        "keywords": ",".join(category.keywords[:20]),
        "group": groups.get(category.top, category.top),
    }


@endpoint("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri("/open311/v2/")
    data = {
        "changeset": CHANGESET,
        "contact": _("The district command centre of the Linli deployment."),
        "key_service": _("Ask the administrator for an Open311 key (linli manage open311_key)."),
        "endpoints": [
            {
                "specification": SPEC,
                "url": base,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return render(request, fmt, "discovery", None, data)


@endpoint("GET")
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    groups = dict(Category.objects.filter(parent=None).values_list("code", "name_zh"))
    data = [_service(c, groups) for c in services_queryset()]
    return render(request, fmt, "services", "service", data)


def _attributes(category: Category) -> list[dict[str, Any]]:
    attributes = [
        {
            "variable": True,
            "code": "details",
            "datatype": "text",
            "required": False,
            "datatype_description": _("Anything that helps find the place: floor, landmark."),
            "order": 1,
            "description": _("Details"),
        }
    ]
    if category.top == "traffic":
        attributes.append(
            {
                "variable": True,
                "code": "plate",
                "datatype": "string",
                "required": False,
                "datatype_description": _("A Chinese number plate, e.g. 浙F·D12345."),
                "order": 2,
                "description": _("Number plate"),
            }
        )
    return attributes


def _category(code: str) -> Category:
    category = services_queryset().filter(open311_code=code[:32]).first()
    if category is None:
        raise Open311Error(404, _("There is no such service."))
    return category


@endpoint("GET")
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    category = _category(code)
    data = {"service_code": category.open311_code, "attributes": _attributes(category)}
    return render(request, fmt, "service_definition", None, data)


# --- requests --------------------------------------------------------------------------------


def _public_cases() -> QuerySet[Case]:
    return Case.objects.filter(category__in=services_queryset()).select_related("category", "unit")


def _request(case: Case, request: HttpRequest) -> dict[str, Any]:
    last = case.events.order_by("-at", "-id").first()
    assert case.category is not None
    return {
        "service_request_id": case.number,
        "status": "open" if case.status in Case.OPEN_STATUSES else "closed",
        "status_notes": case.get_status_display(),
        "service_name": case.category.name_zh,
        "service_code": case.category.open311_code,
        "description": case.description,
        "agency_responsible": case.unit.name,
        "service_notice": "",
        "requested_datetime": _stamp(case.created_at),
        "updated_datetime": _stamp(last.at if last else case.created_at),
        "expected_datetime": _stamp(case.due_at),
        "address": case.address,
        "address_id": "",
        "zipcode": "",
        "lat": case.lat,
        "long": case.lon,
        "media_url": request_media(case, request),
    }


def request_media(case: Case, request: HttpRequest) -> str:
    """The case's first photo (not a unit's work-order photo), as an absolute signed link."""
    photo = case.photos.filter(work_order=None).order_by("id").first()
    return request.build_absolute_uri(photo.url) if photo else ""


def _date(request: HttpRequest, name: str) -> datetime | None:
    raw = request.GET.get(name, "")
    if not raw:
        return None
    try:
        moment = parse_datetime(raw.replace(" ", "+")[:40])
    except ValueError:
        moment = None
    if moment is None:
        raise Open311Error(400, _("%(name)s is not a W3C datetime.") % {"name": name})
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _int(request: HttpRequest, name: str, default: int, highest: int) -> int:
    raw = request.GET.get(name, "")
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= highest:
        raise Open311Error(
            400,
            _("%(name)s must be a whole number from 1 to %(max)d.")
            % {"name": name, "max": highest},
        )
    return int(raw)


def _list_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    cases = _public_cases()
    ids = [i.strip() for i in request.GET.get("service_request_id", "").split(",") if i.strip()]
    if ids:
        cases = cases.filter(number__in=ids[:MAX_RESULTS])
    else:
        end = _date(request, "end_date") or timezone.now()
        start = _date(request, "start_date") or end - DEFAULT_WINDOW
        if start > end:
            raise Open311Error(400, _("start_date must come before end_date."))
        cases = cases.filter(created_at__gte=start, created_at__lte=end)
        codes = [c.strip() for c in request.GET.get("service_code", "").split(",") if c.strip()]
        if codes:
            cases = cases.filter(category__open311_code__in=codes)
        status = request.GET.get("status", "")
        if status == "open":
            cases = cases.filter(status__in=Case.OPEN_STATUSES)
        elif status == "closed":
            cases = cases.exclude(status__in=Case.OPEN_STATUSES)
        elif status:
            raise Open311Error(400, _("status must be open or closed."))
    size = _int(request, "page_size", MAX_RESULTS, MAX_RESULTS)
    page = _int(request, "page", 1, 1_000_000)
    chosen = cases.order_by("-created_at", "-id")[(page - 1) * size : page * size]
    return render(
        request, fmt, "service_requests", "request", [_request(c, request) for c in chosen]
    )


def _client(request: HttpRequest) -> None:
    if client_for_key(request.POST.get("api_key", "")) is None:
        raise Open311Error(403, _("The api_key is missing or not valid."))


def _float(request: HttpRequest, name: str, low: float, high: float) -> float:
    try:
        value = float(request.POST.get(name, ""))
    except ValueError:
        raise Open311Error(400, _("%(name)s must be a number.") % {"name": name}) from None
    if not low <= value <= high:
        raise Open311Error(400, _("%(name)s is out of range.") % {"name": name})
    return value


def _where(request: HttpRequest) -> tuple[float, float]:
    """lat and long, or else a point for address_string (the spec asks for one of the two)."""
    post = request.POST
    if post.get("lat") or post.get("long"):
        return _float(request, "long", -180, 180), _float(request, "lat", -90, 90)
    address = post.get("address_string", "").strip()
    if not address:
        raise Open311Error(400, _("Send lat and long, or address_string."))
    point = place_of_address(address[:200])
    if point is None:
        raise Open311Error(
            400,
            _(
                "address_string names no community, grid or micro-grid Linli knows: "
                "send lat and long."
            ),
        )
    return point


def _create_request(request: HttpRequest, fmt: str) -> HttpResponse:
    _client(request)
    post = request.POST
    category = _category(post.get("service_code", ""))
    lon, lat = _where(request)
    description = post.get("description", "")
    details = post.get("attribute[details]", "").strip()
    plate = post.get("attribute[plate]", "").strip()
    if plate:
        try:
            plate = identifiers.parse_plate(plate).display
        except identifiers.IdentifierError as exc:
            raise Open311Error(400, f"attribute[plate]: {exc.message}") from None
    text = "\n".join(p for p in (description.strip(), details, plate) if p)
    name = f"{post.get('last_name', '')}{post.get('first_name', '')}".strip()
    intake = actions.Intake(
        kind=KIND_BY_TOP.get(category.top, "report"),
        channel=Case.Channel.OPEN311,
        description=text,
        lon=lon,
        lat=lat,
        address=post.get("address_string", "")[:200],
        category=category.code,
        contact_phone=post.get("phone", ""),
        reporter_name=name[:100],
    )
    try:
        submitted = actions.submit_case(intake, actor=None)
    except CaseError as exc:
        raise Open311Error(400, f"{exc.field or 'request'}: {exc.message}") from None
    case = submitted.case
    notice = _("Expected by %(due)s.") % {"due": _stamp(case.due_at)} if case.due_at else ""
    data = [{"service_request_id": case.number, "service_notice": notice, "account_id": None}]
    return render(request, fmt, "service_requests", "request", data, status=201)


@endpoint("GET|POST")
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create_request(request, fmt)
    return _list_requests(request, fmt)


@endpoint("GET")
def request_detail(request: HttpRequest, fmt: str, number: str) -> HttpResponse:
    case = _public_cases().filter(number=number[:40]).first()
    if case is None:
        raise Open311Error(404, _("There is no such service request."))
    return render(request, fmt, "service_requests", "request", [_request(case, request)])


@endpoint("GET")
def token(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    """Linli answers POST requests with the id at once, so a token is the id itself."""
    case = _public_cases().filter(number=token[:40]).first()
    if case is None:
        raise Open311Error(404, _("There is no such token."))
    data = [{"service_request_id": case.number, "token": case.number}]
    return render(request, fmt, "service_requests", "request", data)


# --- FixMyStreet's servicerequestupdates -----------------------------------------------------


def _update(event: CaseEvent) -> dict[str, Any]:
    return {
        "update_id": str(event.pk),
        "service_request_id": event.case.number,
        "status": "open" if event.case.status in Case.OPEN_STATUSES else "closed",
        "updated_datetime": _stamp(event.at),
        "description": event.note or event.get_kind_display(),
        "media_url": "",
    }


@endpoint("GET|POST")
def updates(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        _client(request)
        case = (
            _public_cases().filter(number=request.POST.get("service_request_id", "")[:40]).first()
        )
        if case is None:
            raise Open311Error(404, _("There is no such service request."))
        text = request.POST.get("description", "").strip()
        if not text:
            raise Open311Error(400, _("description is required."))
        name = f"{request.POST.get('last_name', '')}{request.POST.get('first_name', '')}".strip()
        note = f"{name}: {text}" if name else text
        try:
            with transaction.atomic():
                event = actions.add_note(case, actor=None, note=note[:2000], public=True)
        except CaseError as exc:
            raise Open311Error(400, exc.message) from None
        data = [{"update_id": str(event.pk)}]
        return render(request, fmt, "service_request_updates", "request_update", data, 201)
    end = _date(request, "end_date") or timezone.now()
    start = _date(request, "start_date") or end - DEFAULT_WINDOW
    events = (
        CaseEvent.objects.filter(public=True, at__gte=start, at__lte=end, case__in=_public_cases())
        .select_related("case")
        .order_by("at", "id")[:MAX_RESULTS]
    )
    return render(
        request, fmt, "service_request_updates", "request_update", [_update(e) for e in events]
    )
