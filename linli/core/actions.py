"""State changes owned by core: the holiday calendar and key rotation.

Each action takes ``*, actor``, runs in one transaction and writes its audit event there.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.db.models.functions import Cast

from linli.core import crypto, workdays
from linli.core.audit import AuditKind, record
from linli.core.fields import EncryptedTextField
from linli.core.models import CalendarYear, Holiday

# --- the calendar's sources ------------------------------------------------------------------


def package_calendar() -> dict[date, tuple[str, str]]:
    """Every date ``chinese_calendar`` lists, as {date: (Holiday.Kind, name)}."""
    from chinese_calendar import constants

    listed = {day: (Holiday.Kind.HOLIDAY.value, name) for day, name in constants.holidays.items()}
    listed.update(
        {day: (Holiday.Kind.WORKDAY.value, name) for day, name in constants.workdays.items()}
    )
    return listed


def package_source() -> str:
    import chinese_calendar

    return f"chinese_calendar {getattr(chinese_calendar, '__version__', '')}".strip()


def _works(day: date, kinds: dict[date, str]) -> bool:
    kind = kinds.get(day)
    if kind is not None:
        return kind == Holiday.Kind.WORKDAY
    return day.weekday() < 5


def _days_of(year: int) -> Iterator[date]:
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        day += timedelta(days=1)


def cross_check(years: Iterable[int], kinds: dict[date, str], names: dict[date, str]) -> list[str]:
    """Dates where our calendar and ``holidays.China`` disagree about working or not."""
    import holidays

    years = sorted(years)
    if not years:
        return []
    theirs = holidays.China(years=years)
    found = []
    for year in years:
        for day in _days_of(year):
            ours_works = _works(day, kinds)
            if ours_works == theirs.is_working_day(day):
                continue
            ours = "working day" if ours_works else "day off"
            other = "working day" if not ours_works else "day off"
            found.append(
                f"{day:%Y-%m-%d} ({day:%a}): our table says {ours}"
                f"{f' ({names[day]})' if day in names else ''}, holidays.China says {other}"
                f"{f' ({theirs.get(day)})' if theirs.get(day) else ''}"
            )
    return found


@dataclass
class SeedReport:
    added: int = 0
    years_entered: list[int] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    disagreements: list[str] = field(default_factory=list)

    @property
    def pending(self) -> bool:
        return bool(self.added or self.years_entered)


@transaction.atomic
def seed_calendar(*, actor: Any, dry_run: bool = False) -> SeedReport:
    """Add what ``chinese_calendar`` knows and the table lacks; mark its years entered.

    Rows already in the table are never overwritten (an administrator may have corrected
    them); a row whose kind differs from the package is reported as a conflict instead.
    """
    listed = package_calendar()
    existing = {h.date: h for h in Holiday.objects.all()}
    report = SeedReport()
    new_rows = []
    for day, (kind, name) in sorted(listed.items()):
        row = existing.get(day)
        if row is None:
            new_rows.append(Holiday(date=day, kind=kind, name=name))
        elif row.kind != kind:
            report.conflicts.append(
                f"{day:%Y-%m-%d}: table has {row.kind} ({row.name}), "
                f"chinese_calendar has {kind} ({name}); kept the table's row"
            )
    entered = set(CalendarYear.objects.values_list("year", flat=True))
    report.added = len(new_rows)
    report.years_entered = sorted({day.year for day in listed} - entered)

    kinds = {day: kind for day, (kind, _name) in listed.items()}
    names = {day: name for day, (_kind, name) in listed.items()}
    kinds.update({day: row.kind for day, row in existing.items()})
    names.update({day: row.name for day, row in existing.items()})
    report.disagreements = cross_check(entered | set(report.years_entered), kinds, names)

    if dry_run or not report.pending:
        return report
    Holiday.objects.bulk_create(new_rows)
    source = package_source()
    CalendarYear.objects.bulk_create(
        [CalendarYear(year=year, source=source) for year in report.years_entered]
    )
    record(
        AuditKind.HOLIDAY_SEEDED,
        actor=actor,
        after={"added": report.added, "years_entered": report.years_entered, "source": source},
    )
    _forget_calendar()
    return report


# --- the calendar, by hand (admin) -----------------------------------------------------------


def _forget_calendar() -> None:
    workdays.clear_cache()
    transaction.on_commit(workdays.clear_cache)


def _holiday_snapshot(holiday: Holiday | None) -> dict[str, Any]:
    if holiday is None:
        return {}
    return {"date": holiday.date.isoformat(), "kind": holiday.kind, "name": holiday.name}


@transaction.atomic
def save_holiday(holiday: Holiday, *, actor: Any) -> Holiday:
    """Create or change one holiday or adjusted workday."""
    before = Holiday.objects.filter(pk=holiday.pk).first() if holiday.pk else None
    holiday.full_clean()
    holiday.save()
    record(
        AuditKind.HOLIDAY_CHANGED,
        actor=actor,
        obj=holiday,
        before=_holiday_snapshot(before),
        after=_holiday_snapshot(holiday),
    )
    _forget_calendar()
    return holiday


@transaction.atomic
def delete_holiday(holiday: Holiday, *, actor: Any) -> None:
    record(
        AuditKind.HOLIDAY_CHANGED,
        actor=actor,
        obj=holiday,
        before=_holiday_snapshot(holiday),
        note="deleted",
    )
    holiday.delete()
    _forget_calendar()


@transaction.atomic
def enter_calendar_year(year: int, *, actor: Any, source: str = "") -> CalendarYear:
    """Mark ``year`` as entered in full: deadlines reaching into it may now be computed."""
    entry, created = CalendarYear.objects.get_or_create(year=year, defaults={"source": source})
    if created:
        days = Holiday.objects.filter(date__year=year).count()
        record(
            AuditKind.HOLIDAY_CHANGED,
            actor=actor,
            obj=entry,
            after={"year": year, "source": source, "dates_listed": days},
            note="year entered",
        )
        _forget_calendar()
    return entry


@transaction.atomic
def change_calendar_year_source(entry: CalendarYear, source: str, *, actor: Any) -> None:
    before = entry.source
    entry.source = source
    entry.save(update_fields=["source"])
    record(
        AuditKind.HOLIDAY_CHANGED,
        actor=actor,
        obj=entry,
        before={"source": before},
        after={"source": source},
    )


@transaction.atomic
def withdraw_calendar_year(entry: CalendarYear, *, actor: Any) -> None:
    """Mark a year as not entered again (deadlines in it are refused until re-entered)."""
    record(
        AuditKind.HOLIDAY_CHANGED,
        actor=actor,
        obj=entry,
        before={"year": entry.year, "source": entry.source},
        note="year withdrawn",
    )
    entry.delete()
    _forget_calendar()


# --- key rotation --------------------------------------------------------------------------


def encrypted_fields() -> list[tuple[type[models.Model], list[EncryptedTextField]]]:
    """Every concrete model with ``EncryptedTextField`` columns on its own table."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        local = model._meta.local_concrete_fields
        columns = [f for f in local if isinstance(f, EncryptedTextField)]
        if columns:
            found.append((model, columns))
    return found


def _reencrypt_batch(
    model: type[models.Model], columns: list[EncryptedTextField], rows: list[tuple[Any, ...]]
) -> int:
    primary = crypto.keyring().primary_id
    stale = []
    for pk, *stored in rows:
        if all(not value or crypto.key_id_of(value) == primary for value in stored):
            continue
        instance = model(pk=pk)
        for column, value in zip(columns, stored, strict=True):
            plain = crypto.decrypt(value, context=column._context) if value else value
            setattr(instance, column.attname, plain)
        stale.append(instance)
    if stale:
        model._base_manager.bulk_update(stale, [c.name for c in columns])
    return len(stale)


def reencrypt_all(*, actor: Any, batch_size: int = 500) -> dict[str, dict[str, int]]:
    """Rewrite every encrypted value not under the primary key. Returns counts per model.

    Each batch commits on its own, so an interrupted run keeps its progress and a re-run
    carries on; the single audit event is written at the end.
    """
    counts: dict[str, dict[str, int]] = {}
    for model, columns in encrypted_fields():
        raw = [Cast(c.name, output_field=models.TextField()) for c in columns]
        scanned = rewritten = 0
        last_pk: Any = None
        while True:
            batch = model._base_manager.order_by("pk")
            if last_pk is not None:
                batch = batch.filter(pk__gt=last_pk)
            with transaction.atomic():
                # Locked so a value written meanwhile is not overwritten with its older self.
                rows = list(batch.select_for_update().values_list("pk", *raw)[:batch_size])
                rewritten += _reencrypt_batch(model, columns, rows)
            if not rows:
                break
            scanned += len(rows)
            last_pk = rows[-1][0]
        counts[model._meta.label] = {"scanned": scanned, "rewritten": rewritten}
    with transaction.atomic():
        record(
            AuditKind.DATA_REENCRYPTED,
            actor=actor,
            after={"primary_key_id": crypto.keyring().primary_id, "models": counts},
        )
    return counts
