"""Routing rules as CSV, for administrators who keep them in a spreadsheet.

Columns: ``category_prefix, area_prefix, tier, unit_code, note``. Import is all or nothing:
every row is checked first and the errors are reported per row; only a clean file is written,
replacing (``replace=True``) or updating the rules it names.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from linli.cases.models import Category, RoutingRule, Tier
from linli.core.audit import AuditKind, record
from linli.people.models import Unit

COLUMNS = ["category_prefix", "area_prefix", "tier", "unit_code", "note"]


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    errors: list[str] = field(default_factory=list)


def export_rules() -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    rules = RoutingRule.objects.select_related("unit").order_by(
        "category_prefix", "area_prefix", "tier"
    )
    for rule in rules:
        writer.writerow(
            [rule.category_prefix, rule.area_prefix, rule.tier, rule.unit.code, rule.note]
        )
    return out.getvalue()


def _check_row(
    number: int, row: dict[str, str], categories: set[str], units: dict[str, Unit]
) -> tuple[dict[str, Any] | None, list[str]]:
    clean = {name: (row.get(name) or "").strip() for name in COLUMNS}
    category, area, tier = clean["category_prefix"], clean["area_prefix"], clean["tier"]
    errors = []
    if category and not any(c == category or c.startswith(category + ".") for c in categories):
        errors.append(
            _("row %(row)d: no category starts with “%(value)s”.")
            % {"row": number, "value": category}
        )
    if area and (not area.isdigit() or len(area) > 18):
        errors.append(
            _("row %(row)d: “%(value)s” is not an area code prefix.")
            % {"row": number, "value": area}
        )
    if tier and tier not in Tier.values:
        errors.append(
            _("row %(row)d: the tier must be community, street, district or empty.")
            % {"row": number}
        )
    if clean["unit_code"] not in units:
        errors.append(
            _("row %(row)d: no active unit has the code “%(value)s”.")
            % {"row": number, "value": clean["unit_code"]}
        )
    if len(clean["note"]) > 200:
        errors.append(_("row %(row)d: the note is longer than 200 characters.") % {"row": number})
    if errors:
        return None, errors
    return {
        "category_prefix": category,
        "area_prefix": area,
        "tier": tier,
        "unit": units[clean["unit_code"]],
        "note": clean["note"],
    }, []


def import_rules(text: str, *, actor: Any = None, replace: bool = False) -> ImportReport:
    report = ImportReport()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = reader.fieldnames or []
    missing = [c for c in COLUMNS[:4] if c not in header]
    if missing:
        report.errors.append(_("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})
        return report
    categories = set(Category.objects.values_list("code", flat=True))
    units = {u.code: u for u in Unit.objects.filter(is_active=True)}
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    for number, row in enumerate(reader, start=2):
        clean, errors = _check_row(number, row, categories, units)
        report.errors.extend(errors)
        if clean is not None:
            key = (clean["category_prefix"], clean["area_prefix"], clean["tier"])
            if key in rows:
                report.errors.append(_("row %(row)d repeats an earlier row.") % {"row": number})
            rows[key] = clean
    if report.errors:
        return report
    with transaction.atomic():
        if replace:
            report.deleted, _by_model = RoutingRule.objects.exclude(
                pk__in=[
                    r.pk
                    for r in RoutingRule.objects.all()
                    if (r.category_prefix, r.area_prefix, r.tier) in rows
                ]
            ).delete()
        for (category, area, tier), clean in rows.items():
            _rule, created = RoutingRule.objects.update_or_create(
                category_prefix=category,
                area_prefix=area,
                tier=tier,
                defaults={"unit": clean["unit"], "note": clean["note"]},
            )
            if created:
                report.created += 1
            else:
                report.updated += 1
        record(
            AuditKind.ROUTING_RULE_CHANGED,
            actor=actor,
            note=f"routing rules imported: {report.created} created, {report.updated} updated,"
            f" {report.deleted} deleted",
        )
    return report
