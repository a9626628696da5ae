"""Seed the holiday table for every year chinese_calendar knows, so a fresh database can
compute deadlines at once. Later years: `linli manage seed_calendar` or the admin."""

from django.db import migrations

HOLIDAY_SEEDED = 100  # linli.core.audit.AuditKind.HOLIDAY_SEEDED (stable number)


def seed(apps, schema_editor):
    import chinese_calendar
    from chinese_calendar import constants

    Holiday = apps.get_model("core", "Holiday")
    CalendarYear = apps.get_model("core", "CalendarYear")
    AuditEvent = apps.get_model("core", "AuditEvent")

    listed = {day: ("holiday", name) for day, name in constants.holidays.items()}
    listed.update({day: ("workday", name) for day, name in constants.workdays.items()})
    existing = set(Holiday.objects.values_list("date", flat=True))
    rows = [
        Holiday(date=day, kind=kind, name=name)
        for day, (kind, name) in sorted(listed.items())
        if day not in existing
    ]
    Holiday.objects.bulk_create(rows)
    source = f"chinese_calendar {getattr(chinese_calendar, '__version__', '')}".strip()
    entered = set(CalendarYear.objects.values_list("year", flat=True))
    years = sorted({day.year for day in listed} - entered)
    CalendarYear.objects.bulk_create([CalendarYear(year=y, source=source) for y in years])
    AuditEvent.objects.create(
        kind=HOLIDAY_SEEDED,
        after={"added": len(rows), "years_entered": years, "source": source},
        note="data migration core.0003",
    )


class Migration(migrations.Migration):
    dependencies = [("core", "0002_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
