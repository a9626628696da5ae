"""Intake: every channel (QR, web, WeChat, Open311, staff entry, officer) ends here."""

from __future__ import annotations

import json
import math
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.cases import notify, routing
from linli.cases.actions.common import CaseError, new_event
from linli.cases.models import Case, CaseCounter, CaseEvent, Category, Tier
from linli.cases.routing import Place, RoutingError, route
from linli.cases.triage.service import TriageResult, triage
from linli.core import crypto, deadlines, identifiers, rows
from linli.core.audit import AuditKind, unsaved
from linli.core.models import AuditEvent
from linli.places.locate import locate

DUPLICATE_RADIUS_M = 150
DUPLICATE_WINDOW = timedelta(days=7)
MAX_DESCRIPTION = 2000


@dataclass
class Intake:
    kind: str
    channel: str
    description: str
    lon: float
    lat: float
    address: str = ""
    category: str | None = None
    contact_phone: str = ""
    reporter_name: str = ""
    anonymous: bool = False
    # staff recording a phone call: the caller (name, phone) reports, the officer only writes it
    # down, so the case has no reporter account and the caller gets a follow-up code
    on_behalf: bool = False


class Nearby(NamedTuple):
    """An open case near a new one (``possible_duplicates``): all its callers show."""

    pk: int
    number: str


@dataclass
class Submitted:
    case: Case
    follow_up_code: str | None
    triage: TriageResult | None
    emergency_numbers: list[str] = field(default_factory=list)
    possible_duplicates: list[Nearby] = field(default_factory=list)


def _clean(intake: Intake) -> tuple[str, str]:
    """Validate the fields that need no database; returns (description, normalised phone)."""
    if intake.kind not in Case.Kind.values:
        raise CaseError(_("Choose one of the allowed values."), field="kind")
    if intake.channel not in Case.Channel.values:
        raise CaseError(_("Choose one of the allowed values."), field="channel")
    description = (intake.description or "").strip()
    if not description:
        raise CaseError(_("Describe what happened."), field="description")
    if len(description) > MAX_DESCRIPTION:
        raise CaseError(
            _("At most %(n)d characters.") % {"n": MAX_DESCRIPTION}, field="description"
        )
    for name, value, limit in (("lon", intake.lon, 180), ("lat", intake.lat, 90)):
        if not isinstance(value, int | float) or not math.isfinite(value) or abs(value) > limit:
            raise CaseError(_("Enter a valid coordinate."), field=name)
    if len(intake.address) > 200:
        raise CaseError(_("At most %(n)d characters.") % {"n": 200}, field="address")
    return description, _phone(intake.contact_phone)


def _phone(raw: str) -> str:
    if not raw or not raw.strip():
        return ""
    try:
        return identifiers.parse_phone(raw).e164
    except identifiers.IdentifierError as exc:
        raise CaseError(exc.message, field="contact_phone") from None


def _category(intake: Intake, description: str) -> tuple[Category, TriageResult, bool]:
    """The category given (triage only suggests), or the one triage chose."""
    result = triage(description)
    if intake.category:
        given = routing.category(intake.category)
        if given is None:
            raise CaseError(_("There is no such category."), field="category")
        return given, result, False
    category = routing.category(result.category) or routing.category(result.top)
    if category is None:  # the catalogue and the table disagree: a configuration problem
        category = Category.objects.get(code="help")
    return category, result, result.needs_human


_NEXT_VALUE = (
    'INSERT INTO "cases_casecounter" ("district_code", "day", "value") VALUES (%s, %s, 1) '
    'ON CONFLICT ("district_code", "day") DO UPDATE SET "value" = "cases_casecounter"."value" + 1 '
    'RETURNING "value"'
)
assert CaseCounter._meta.db_table == "cases_casecounter"  # named in _NEXT_VALUE
# The number in SQL, from the counter's new value (``n`` below): at least six digits, as Python's
# f"{value:06d}" writes it (lpad alone would cut a seventh digit off).
_NUMBER_SQL = "(SELECT %s || lpad(value::text, greatest(6, length(value::text)), '0') FROM n)"


def number_prefix(district_code: str, day: date) -> str:
    return f"{district_code}-{day:%Y%m%d}-"


def next_number(district_code: str, day: date) -> str:
    """The district's next number of the day: one upsert on the (district, day) counter row,
    whose lock the transaction then holds until it commits, so numbers have no gaps."""
    with connection.cursor() as cursor:
        cursor.execute(_NEXT_VALUE, [district_code, connection.ops.adapt_datefield_value(day)])
        (value,) = cursor.fetchone()
    return f"{number_prefix(district_code, day)}{value:06d}"


@dataclass
class NewRows:
    """What one report writes: the case, its first timeline event, its audit row and its
    notice tasks (rows of notify.task_rows, their case id still None)."""

    case: Case
    event: CaseEvent
    audit: AuditEvent
    tasks: list[Any]

    def refer_to_case(self) -> None:
        """Point the other rows at the stored case (what the one statement wrote, in SQL)."""
        case = self.case
        self.event.case_id = case.pk
        self.audit.object_id, self.audit.object_repr = str(case.pk), case.number
        for task in self.tasks:
            task.args_kwargs["args"][0] = case.pk


def store(new: NewRows, day: date, nearby: tuple[str, list[Any]]) -> list[tuple[Any, ...]]:
    """Insert the ``new`` rows, the case numbered, all or nothing; answer the rows of the
    ``nearby`` query (``_nearby_query``) as they were before the case was stored.

    On PostgreSQL this is one statement: the counter upsert, the inserts and the duplicate
    search as one WITH, the case's id and number reaching the other rows as SQL. One round trip
    instead of ten, and the district's counter row is locked only while that statement commits
    (docs/decisions.md, "one statement per intake"). Elsewhere (SQLite: one writer at a time
    anyway) the same statements run one after another in a transaction."""
    if connection.vendor == "postgresql":
        return _store_in_one_statement(new, day, nearby)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(*nearby)
        found = cursor.fetchall()
        new.case.number = next_number(new.case.area_code[:6], day)
        cursor.execute(*rows.values(new.case).sql(returning="id"))
        rows.saved(new.case, cursor.fetchone()[0])
        new.refer_to_case()
        for row in (new.event, new.audit, *new.tasks):
            cursor.execute(*rows.values(row).sql())
    return found


def _store_in_one_statement(
    new: NewRows, day: date, nearby: tuple[str, list[Any]]
) -> list[tuple[Any, ...]]:
    district = new.case.area_code[:6]
    case_id = "(SELECT id FROM c)"
    parts = {
        "c": rows.values(new.case, sql={"number": (_NUMBER_SQL, [number_prefix(district, day)])}),
        "e": rows.values(new.event, sql={"case_id": (case_id, [])}),
        "a": rows.values(
            new.audit,
            sql={
                "object_id": ("(SELECT id::text FROM c)", []),
                "object_repr": ("(SELECT number FROM c)", []),
            },
        ),
    }
    for i, task in enumerate(new.tasks):
        arguments = f"jsonb_set(%s::jsonb, '{{args,0}}', to_jsonb({case_id}))"
        parts[f"t{i}"] = rows.values(
            task, sql={"args_kwargs": (arguments, [json.dumps(task.args_kwargs)])}
        )
    clauses = [f"n AS ({_NEXT_VALUE})"]
    params: list[Any] = [district, connection.ops.adapt_datefield_value(day)]
    for name, row in parts.items():
        sql, row_params = row.sql(returning="id, number" if name == "c" else "")
        clauses.append(f"{name} AS ({sql})")
        params.extend(row_params)
    # Every part of one statement sees the database as it was before the statement: d finds
    # the open cases near the new one, never the new one itself.
    clauses.append(f"d AS ({nearby[0]})")
    params.extend(nearby[1])
    statement = (
        f"WITH {', '.join(clauses)} "  # noqa: S608 (rows.Row)
        "SELECT c.id, c.number, d.id, d.number, d.lon, d.lat "
        "FROM c LEFT JOIN d ON TRUE ORDER BY d.created_at"
    )
    with rows.prepared_cursor() as cursor:
        cursor.execute(statement, params)
        result = cursor.fetchall()
    pk, new.case.number = result[0][:2]
    rows.saved(new.case, pk)
    new.refer_to_case()
    return [found[2:] for found in result if found[2] is not None]


def _distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    dx = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    dy = math.radians(lat2 - lat1)
    return 6_371_000 * math.hypot(dx, dy)


_OPEN = ", ".join(f"'{status}'" for status in Case.OPEN_STATUSES)


def _nearby_query(case: Case, now: datetime) -> tuple[str, list[Any]]:
    """The statement finding open cases of ``case``'s top-level category in a box around it
    that were received in the last 7 days: their id, number, lon, lat (and receipt time, for
    order). Served by case_open_place_idx, whose condition it repeats (the open statuses)."""
    assert case.category is not None
    dlat = DUPLICATE_RADIUS_M / 111_000
    dlon = dlat / max(math.cos(math.radians(case.lat)), 0.01)
    family = ", ".join(str(int(pk)) for pk in routing.family(case.category.top)) or "NULL"
    since = connection.ops.adapt_datetimefield_value(now - DUPLICATE_WINDOW)
    sql = (
        'SELECT "id", "number", "lon", "lat", "created_at" FROM "cases_case" '  # noqa: S608 (ids)
        f'WHERE "status" IN ({_OPEN}) AND "category_id" IN ({family}) AND "created_at" >= %s '
        'AND "lat" BETWEEN %s AND %s AND "lon" BETWEEN %s AND %s AND "id" <> %s '
        'ORDER BY "created_at" LIMIT 20'
    )
    box = [case.lat - dlat, case.lat + dlat, case.lon - dlon, case.lon + dlon]
    return sql, [since, *box, case.pk or 0]


def _within_reach(case: Case, found: list[tuple[Any, ...]]) -> list[Nearby]:
    """The rows of ``_nearby_query`` that lie within 150 m of ``case``."""
    return [
        Nearby(pk, number)
        for pk, number, lon, lat, *_rest in found
        if _distance_m(lon, lat, case.lon, case.lat) <= DUPLICATE_RADIUS_M
    ]


def possible_duplicates(case: Case, now: datetime) -> list[Nearby]:
    """Open cases of the same top-level category within 150 m and 7 days (``case`` itself may
    not be saved yet). Only their id and number: all the callers show. The intake finds them
    in the statement that stores the case (``store``)."""
    if case.category is None:
        return []
    with connection.cursor() as cursor:
        cursor.execute(*_nearby_query(case, now))
        return _within_reach(case, cursor.fetchall())


def set_deadline(case: Case, start: datetime) -> None:
    """Deadline of the case's category at its current tier, counted from ``start``."""
    assert case.category is not None
    due = deadlines.deadline_if_known(start, case.category.deadline_days(case.tier))
    # Without one the case is kept all the same (never lose a report): `manage check` names
    # the missing year and `calendar_gap` sets the deadline once it is entered.
    case.due_at = due.due_at if due else None
    case.warn_at = due.warn_at if due else None
    case.warned_at = None


def submit_case(intake: Intake, *, actor: Any, now: datetime | None = None) -> Submitted:
    """Receive a case: validate, locate, triage, route, set the deadline, number it."""
    now = now or timezone.now()
    description, phone = _clean(intake)
    where = locate(intake.lon, intake.lat)
    if where is None:
        raise CaseError(_("This place lies outside the area Linli serves."), field="lon")
    category, result, needs_human = _category(intake, description)
    place = Place(area_code=where.area_code, police_room=where.police_room)
    try:
        unit = route(category, place, Tier.COMMUNITY)
    except RoutingError as exc:
        raise CaseError(str(exc), field="category", status=422) from exc
    reporter = (
        actor
        if getattr(actor, "pk", None) and not intake.anonymous and not intake.on_behalf
        else None
    )
    follow_up_code = secrets.token_hex(5).upper() if reporter is None else None
    emergency = result.emergency or category.urgent
    case = Case(
        number="",  # given as it is stored (store)
        kind=intake.kind,
        channel=intake.channel,
        category=category,
        description=description,
        lon=intake.lon,
        lat=intake.lat,
        address=intake.address.strip(),
        area_code=where.area_code,
        unit=unit,
        tier=Tier.COMMUNITY,
        reporter=reporter,
        reporter_name="" if intake.anonymous else intake.reporter_name.strip()[:100],
        contact_phone="" if intake.anonymous else phone,
        anonymous=intake.anonymous,
        follow_up_digest=crypto.blind_index(follow_up_code, purpose="follow_up")
        if follow_up_code
        else "",
        police_matter=category.police_matter,
        emergency=emergency,
        needs_triage=needs_human,
        triage=result.as_dict(),
        created_at=now,
    )
    set_deadline(case, now)
    event = new_event(
        case,
        CaseEvent.Kind.CREATED,
        actor=actor,
        at=now,
        note=_("Received through %(channel)s.") % {"channel": case.get_channel_display()},
    )
    audit = unsaved(
        AuditKind.CASE_SUBMITTED,
        actor=actor,
        obj=case,  # its id and number are given as the case is stored
        after={"unit": unit.pk, "category": category.code, "emergency": emergency},
    )
    events = [notify.Event.ASSIGNED, *([notify.Event.EMERGENCY] if emergency else [])]
    tasks = [row for e in events for row in notify.task_rows([None], e) or []]
    new = NewRows(case, event, audit, tasks)
    found = store(new, timezone.localdate(now), _nearby_query(case, now))
    duplicates = _within_reach(case, found)
    notify.enqueued(tasks)
    if not tasks:  # tasks not kept in the database: queued the backend's own way
        for e in events:
            notify.queue(case, e)
    numbers = list(result.emergency_numbers or category.emergency_numbers) if emergency else []
    return Submitted(
        case=case,
        follow_up_code=follow_up_code,
        triage=result,
        emergency_numbers=numbers,
        possible_duplicates=duplicates,
    )
