"""An administrator edits a matter with its materials and moves the catalogue through xlsx in
the admin; every change is audited and a bad workbook changes nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from linli.core.audit import AuditKind
from linli.core.models import AuditEvent
from linli.hall.catalogue_io import export_xlsx
from linli.hall.models import Matter
from linli.people.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = User.objects.create_superuser(username="hall-admin", password="x-Long-Password-1")
    client.force_login(admin)
    return client


def change_form(matter: Matter, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "code": matter.code, "name_zh": matter.name_zh, "name_en": matter.name_en,
        "domain": matter.domain, "kind": matter.kind, "level": matter.level,
        "agency": matter.agency, "conditions": matter.conditions,
        "legal_basis": matter.legal_basis, "fee_fen": matter.fee_fen,
        "fee_note": matter.fee_note, "promised_days": matter.promised_days,
        "statutory_days": matter.statutory_days, "channels": matter.channels,
        "trips": matter.trips, "is_active": "on", "position": matter.position,
        "form": __import__("json").dumps(matter.form, ensure_ascii=False),
        "materials-TOTAL_FORMS": 0, "materials-INITIAL_FORMS": 0,
    }  # fmt: skip
    data.update(changes)
    return data


def test_an_edit_is_saved_and_audited_with_before_and_after(admin_client):
    matter = Matter.objects.get(code="same_name_query")
    matter.materials.all().delete()
    url = f"/admin/hall/matter/{matter.pk}/change/"
    response = admin_client.post(url, change_form(matter, promised_days=1, statutory_days=2))
    assert response.status_code == 302
    event = AuditEvent.objects.get(kind=AuditKind.MATTER_CHANGED)
    assert event.before["promised_days"] == 0 and event.after["promised_days"] == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"form": '[{"name": "a", "label_zh": "甲", "label_en": "A", "type": "choice"}]'}, "form"),
        ({"form": "{not json"}, "form"),
        ({"form": "[" * 50_000 + "]" * 50_000}, "form"),
        ({"form": "[" * 950 + "]" * 950}, "form"),
        ({"promised_days": 30, "statutory_days": 5}, "promised_days"),
        ({"channels": []}, "channels"),
        ({"code": "Not A Code"}, "code"),
        ({"trips": 3}, "trips"),
    ],
)
def test_a_bad_edit_is_refused_on_the_form_and_nothing_changes(admin_client, changes, field):
    matter = Matter.objects.get(code="same_name_query")
    matter.materials.all().delete()
    response = admin_client.post(
        f"/admin/hall/matter/{matter.pk}/change/", change_form(matter, **changes)
    )
    assert response.status_code == 200 and field in response.context["adminform"].form.errors
    assert not AuditEvent.objects.filter(kind=AuditKind.MATTER_CHANGED).exists()


def test_a_matter_cannot_be_deleted_only_retired(admin_client):
    matter = Matter.objects.get(code="passport")
    assert admin_client.post(f"/admin/hall/matter/{matter.pk}/delete/").status_code == 403


def test_the_admin_exports_and_imports_the_catalogue(admin_client):
    exported = admin_client.get("/admin/hall/matter/export/")
    assert exported["Content-Type"].startswith("application/vnd.openxmlformats")
    upload = SimpleUploadedFile("matters.xlsx", exported.content)
    response = admin_client.post("/admin/hall/matter/import/", {"file": upload})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(kind=AuditKind.MATTER_CATALOGUE_IMPORTED).count() == 1


def test_a_bad_workbook_in_the_admin_is_400_with_the_problems(admin_client):
    upload = SimpleUploadedFile("matters.xlsx", b"garbage")
    response = admin_client.post("/admin/hall/matter/import/", {"file": upload})
    assert response.status_code == 400
    assert "import-errors" in response.content.decode()
    assert not AuditEvent.objects.filter(kind=AuditKind.MATTER_CATALOGUE_IMPORTED).exists()


def test_the_export_action_gives_the_whole_catalogue(admin_client):
    response = admin_client.post(
        "/admin/hall/matter/",
        {"action": "export_xlsx_action", "_selected_action": [Matter.objects.first().pk]},
    )
    assert response.status_code == 200 and len(response.content) > 10_000
    assert len(export_xlsx()) > 10_000


def test_a_resident_cannot_reach_the_import(client):
    resident = User.objects.create_user(username="r1", password="x-Long-Password-1")
    client.force_login(resident)
    response = client.get("/admin/hall/matter/import/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_change_page_shows_the_materials_inline(admin_client):
    matter = Matter.objects.get(code="hotel_special_trade")
    page = admin_client.get(f"/admin/hall/matter/{matter.pk}/change/").content.decode()
    assert "旅馆平面图（标明客房、安全通道、监控点位）" in page
    assert 'name="materials-TOTAL_FORMS"' in page
    assert admin_client.get("/admin/hall/matter/?q=护照").status_code == 200
