"""The whole catalogue as an xlsx workbook, for administrators who keep it in a spreadsheet.

Two sheets: ``matters`` (one row per matter; ``channels`` comma-separated, ``form`` as JSON)
and ``materials`` (``matter_code`` names the matter). Import is all or nothing: every row is
checked with the model's own rules first, each problem is reported with its sheet, row and
column, and only a clean workbook is written. Export → import leaves the catalogue unchanged.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from linli.hall import actions
from linli.hall.catalogue import MATERIAL_FIELDS, MATTER_FIELDS
from linli.hall.forms_spec import DeclarationError, check_declaration
from linli.hall.models import Material, Matter

MATERIAL_COLUMNS = ["matter_code", "position", *MATERIAL_FIELDS]
MAX_ROWS = 5000


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)


def _cell_value(name: str, value: Any) -> Any:
    if name == "channels":
        return ",".join(value)
    if name == "form":
        return json.dumps(value, ensure_ascii=False)
    return value


def _append(sheet: Any, values: list[Any]) -> None:
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"  # text that starts with "=" stays text, never a formula


def export_xlsx() -> bytes:
    book = Workbook()
    matters = book.active
    matters.title = "matters"
    _append(matters, MATTER_FIELDS)
    materials = book.create_sheet("materials")
    _append(materials, MATERIAL_COLUMNS)
    for matter in Matter.objects.order_by("position", "code").prefetch_related("materials"):
        _append(matters, [_cell_value(n, getattr(matter, n)) for n in MATTER_FIELDS])
        for material in matter.materials.all():
            _append(
                materials,
                [matter.code, material.position, *[getattr(material, n) for n in MATERIAL_FIELDS]],
            )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rows(book: Any, name: str, columns: list[str], errors: list[str]) -> list[tuple[int, dict]]:
    if name not in book.sheetnames:
        errors.append(_("The workbook has no sheet named “%(sheet)s”.") % {"sheet": name})
        return []
    lines = book[name].iter_rows(values_only=True)
    header = [str(c).strip() if c is not None else "" for c in next(lines, ())]
    missing = [c for c in columns if c not in header]
    if missing:
        errors.append(
            _("Sheet “%(sheet)s” lacks the columns: %(columns)s.")
            % {"sheet": name, "columns": ", ".join(missing)}
        )
        return []
    rows = []
    for number, line in enumerate(lines, start=2):
        if number > MAX_ROWS:
            errors.append(_("Sheet “%(sheet)s” has too many rows.") % {"sheet": name})
            break
        if all(v is None or v == "" for v in line):
            continue
        values = dict(zip(header, line, strict=False))
        rows.append((number, {c: values.get(c) for c in columns}))
    return rows


def _text(value: Any) -> Any:
    return "" if value is None else value


def _problems(where: str, exc: ValidationError) -> list[str]:
    return [
        _("%(where)s, column %(column)s: %(message)s")
        % {"where": where, "column": column, "message": message}
        for column, messages in exc.message_dict.items()
        for message in messages
    ]


def _matter(
    number: int, raw: dict[str, Any], existing: dict[str, Matter]
) -> tuple[Matter, list[str]]:
    where = _("matters row %(row)d") % {"row": number}
    values = {name: _text(raw[name]) for name in MATTER_FIELDS}
    errors = []
    values["code"] = str(values["code"]).strip()
    channels = values["channels"]
    values["channels"] = [c.strip() for c in str(channels).split(",") if c.strip()]
    values["form"], problem = _declaration(values["form"])
    if problem:
        errors.append(
            _("%(where)s, column form: %(problem)s") % {"where": where, "problem": problem}
        )
    matter = Matter(**values)
    old = existing.get(matter.code)
    if old is not None:
        matter.pk, matter.updated_at = old.pk, old.updated_at
    try:
        matter.full_clean(validate_unique=False)
    except ValidationError as exc:
        errors.extend(_problems(where, exc))
    return matter, errors


def _declaration(text: Any) -> tuple[list[dict[str, Any]], str]:
    """The form column as a checked declaration, or [] and what is wrong with it. Checked here,
    before the model sees it, so a deeply nested value never reaches a recursive encoder."""
    if text == "":
        return [], ""
    try:
        return check_declaration(json.loads(str(text))), ""
    except (ValueError, RecursionError):
        return [], _("not valid JSON.")
    except DeclarationError as exc:
        return [], "; ".join(exc.messages)


def _material(number: int, raw: dict[str, Any]) -> tuple[Material, list[str]]:
    where = _("materials row %(row)d") % {"row": number}
    values = {name: _text(raw[name]) for name in MATERIAL_COLUMNS[1:]}
    material = Material(**values)
    try:
        material.full_clean(exclude=["matter"])
    except ValidationError as exc:
        return material, _problems(where, exc)
    return material, []


def _read(
    data: bytes, report: ImportReport
) -> tuple[list[tuple[int, dict]], list[tuple[int, dict]]]:
    """Both sheets' rows, or nothing and a report error. An uploaded file is anything: the
    parser may fail in many ways, while opening or while reading rows (read-only mode is lazy)."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError):
        report.errors.append(_("This is not an xlsx workbook."))
        return [], []
    try:
        matter_rows = _rows(book, "matters", MATTER_FIELDS, report.errors)
        material_rows = _rows(book, "materials", MATERIAL_COLUMNS, report.errors)
    except Exception:  # a damaged sheet: whatever the parser raises
        report.errors.append(_("This is not an xlsx workbook."))
        return [], []
    finally:
        book.close()
    return matter_rows, material_rows


def import_xlsx(data: bytes, *, actor: Any, source: str = "") -> ImportReport:
    """Check the whole workbook, then write it in one transaction — or write nothing."""
    report = ImportReport()
    matter_rows, material_rows = _read(data, report)
    if report.errors:
        return report
    existing = {m.code: m for m in Matter.objects.all()}
    checked: dict[str, tuple[Matter, list[Material]]] = {}
    for number, raw in matter_rows:
        matter, errors = _matter(number, raw, existing)
        report.errors.extend(errors)
        if matter.code in checked:
            report.errors.append(
                _("matters row %(row)d repeats the code “%(code)s”.")
                % {"row": number, "code": matter.code}
            )
        checked[matter.code] = (matter, [])
    for number, raw in material_rows:
        material, errors = _material(number, raw)
        report.errors.extend(errors)
        code = str(_text(raw["matter_code"])).strip()
        if code not in checked:
            report.errors.append(
                _("materials row %(row)d: the matters sheet has no code “%(code)s”.")
                % {"row": number, "code": code}
            )
        else:
            checked[code][1].append(material)
    if not checked and not report.errors:
        report.errors.append(_("The workbook has no matters."))
    if report.errors:
        return report
    report.created, report.updated = actions.replace_catalogue(
        list(checked.values()), actor=actor, source=source
    )
    return report
