"""The catalogue as xlsx: export → import leaves it unchanged; a bad workbook changes nothing
and every bad row is named with its problem; an import is audited."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from linli.core.audit import AuditKind
from linli.core.models import AuditEvent
from linli.hall.actions import snapshot
from linli.hall.catalogue_io import export_xlsx, import_xlsx
from linli.hall.models import Material, Matter

pytestmark = pytest.mark.django_db


def catalogue() -> dict[str, dict]:
    return {m.code: snapshot(m) for m in Matter.objects.prefetch_related("materials")}


def edited(workbook: bytes, sheet: str, cells: dict[str, object]) -> bytes:
    book = load_workbook(io.BytesIO(workbook))
    for ref, value in cells.items():
        book[sheet][ref] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_export_then_import_leaves_the_catalogue_unchanged():
    before = catalogue()
    data = export_xlsx()
    report = import_xlsx(data, actor=None, source="test")
    assert report.errors == [] and (report.created, report.updated) == (0, len(before))
    assert catalogue() == before
    assert export_xlsx() != b"" and _sheets(export_xlsx()) == _sheets(data)


def _sheets(data: bytes) -> dict[str, list]:
    book = load_workbook(io.BytesIO(data))
    return {name: list(book[name].values) for name in book.sheetnames}


def test_an_import_creates_updates_and_is_audited():
    data = export_xlsx()
    header = [c.value for c in load_workbook(io.BytesIO(data))["matters"][1]]
    column = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[header.index("promised_days")]
    data = edited(data, "matters", {f"{column}2": 1})
    report = import_xlsx(data, actor=None, source="test")
    assert report.errors == []
    event = AuditEvent.objects.get(kind=AuditKind.MATTER_CATALOGUE_IMPORTED)
    assert event.after["updated"] == Matter.objects.count()


def test_text_that_looks_like_a_formula_stays_text():
    Matter.objects.filter(code="passport").update(fee_note="=1+1")
    assert import_xlsx(export_xlsx(), actor=None).errors == []
    assert Matter.objects.get(code="passport").fee_note == "=1+1"


def _column(data: bytes, sheet: str, name: str) -> str:
    header = [c.value for c in load_workbook(io.BytesIO(data))[sheet][1]]
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[header.index(name)]


@pytest.mark.parametrize(
    ("sheet", "column", "value", "problem"),
    [
        ("matters", "code", "Bad Code", "column code"),
        ("matters", "domain", "space", "column domain"),
        ("matters", "fee_fen", "free", "column fee_fen"),
        ("matters", "fee_fen", -5, "column fee_fen"),
        ("matters", "trips", 2, "column trips"),
        ("matters", "promised_days", 999, "column promised_days"),
        ("matters", "channels", "online,teleport", "column channels"),
        ("matters", "channels", "", "column channels"),
        ("matters", "form", "{not json", "column form"),
        ("matters", "form", "[" * 16_000 + "]" * 16_000, "column form"),
        ("matters", "form", "[" * 950 + "]" * 950, "column form"),
        ("matters", "form", json.dumps([{"name": "a", "type": "colour"}]), "column form"),
        ("matters", "name_zh", "", "column name_zh"),
        ("matters", "name_zh", "长" * 101, "column name_zh"),
        (
            "matters",
            "form",
            '[{"name": "a", "label_zh": "\\u0000", "label_en": "A", "type": "text"}]',
            "column form",
        ),
        ("materials", "certificate_type", "passport_scan", "column certificate_type"),
        ("materials", "name", None, "column name"),
        ("materials", "required", "perhaps", "column required"),
    ],
)
def test_a_bad_cell_is_named_by_row_and_column_and_nothing_is_written(
    sheet, column, value, problem
):
    before = catalogue()
    data = export_xlsx()
    data = edited(data, sheet, {f"{_column(data, sheet, column)}3": value})
    report = import_xlsx(data, actor=None)
    assert len(report.errors) >= 1
    assert any(f"{sheet} row 3" in e and problem in e for e in report.errors), report.errors
    assert catalogue() == before
    assert not AuditEvent.objects.filter(kind=AuditKind.MATTER_CATALOGUE_IMPORTED).exists()


def test_every_bad_row_is_reported_not_only_the_first():
    data = export_xlsx()
    fee = _column(data, "matters", "fee_fen")
    data = edited(data, "matters", {f"{fee}2": "x", f"{fee}5": "y", f"{fee}9": "z"})
    errors = import_xlsx(data, actor=None).errors
    assert [e.split(",")[0] for e in errors] == ["matters row 2", "matters row 5", "matters row 9"]


def test_a_repeated_code_and_a_material_of_no_matter_are_refused():
    data = export_xlsx()
    code = _column(data, "matters", "code")
    first = load_workbook(io.BytesIO(data))["matters"][f"{code}2"].value
    data = edited(data, "matters", {f"{code}3": first})
    data = edited(data, "materials", {"A2": "no_such_matter"})
    errors = import_xlsx(data, actor=None).errors
    assert any("repeats the code" in e for e in errors)
    assert any("materials row 2" in e and "no_such_matter" in e for e in errors)


def _damaged_workbook() -> bytes:
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(export_xlsx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as damaged:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.endswith("sheet1.xml"):
                content = content[: len(content) // 2]  # cut off mid-sheet
            damaged.writestr(item, content)
    return out.getvalue()


@pytest.mark.parametrize("garbage", [b"", b"not a workbook", b"PK\x03\x04garbage", "damaged"])
def test_a_file_that_is_not_a_workbook_is_refused(garbage):
    if garbage == "damaged":
        garbage = _damaged_workbook()
    assert import_xlsx(garbage, actor=None).errors == ["This is not an xlsx workbook."]


def test_a_workbook_without_the_sheets_or_columns_is_refused():
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "matters"
    book.active.append(["code", "name_zh"])
    out = io.BytesIO()
    book.save(out)
    errors = import_xlsx(out.getvalue(), actor=None).errors
    assert any("materials" in e for e in errors) and any("lacks the columns" in e for e in errors)


def test_the_commands_write_and_read_a_file(tmp_path):
    path = tmp_path / "matters.xlsx"
    call_command("export_matters", str(path), stdout=io.StringIO())
    Matter.objects.filter(code="passport").update(name_zh="改过的名字")
    Material.objects.filter(matter__code="passport").delete()
    out = io.StringIO()
    call_command("import_matters", str(path), stdout=out)
    assert "0 created" in out.getvalue()
    passport = Matter.objects.get(code="passport")
    assert passport.name_zh == "普通护照签发" and passport.materials.count() == 3


def test_the_import_command_refuses_a_bad_file_naming_the_problem(tmp_path):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(b"nonsense")
    with pytest.raises(CommandError, match="not an xlsx workbook"):
        call_command("import_matters", str(path))
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_matters", str(tmp_path / "missing.xlsx"))


def test_a_nul_character_is_refused_before_it_reaches_the_database():
    from django.core.exceptions import ValidationError

    matter = Matter.objects.get(code="passport")
    matter.conditions = "a\x00b"
    with pytest.raises(ValidationError) as caught:
        matter.full_clean()
    assert set(caught.value.message_dict) == {"conditions"}
    material = Material(matter=matter, name="x\x00")
    with pytest.raises(ValidationError):
        material.full_clean()
