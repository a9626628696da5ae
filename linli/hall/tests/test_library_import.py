"""Loading the e-certificate library from the platform's JSON lines: all or nothing, updates by
type and number, holders encrypted, and one audit event."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from linli.core.audit import AuditKind
from linli.core.models import AuditEvent
from linli.hall.models import Certificate

pytestmark = pytest.mark.django_db
GOOD = {
    "type": "business_licence",
    "number": "92330402MA2B3C4D5E",
    "holder_name": "王芳",
    "holder_id_number": "330402199001011230",
    "subject": "南湖区邻里民宿",
    "issuer": "区市场监督管理局",
    "valid_from": "2020-03-01",
    "contents": {"scope": "住宿服务"},
}


def write(tmp_path, rows) -> str:
    path = tmp_path / "certs.jsonl"
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows), "utf-8")
    return str(path)


def test_lines_are_loaded_then_updated_and_holders_are_encrypted(tmp_path, capsys):
    call_command("import_certificates", write(tmp_path, [GOOD]))
    assert "1 created, 0 updated" in capsys.readouterr().out
    call_command("import_certificates", write(tmp_path, [{**GOOD, "revoked": True}]))
    assert Certificate.objects.get().revoked is True
    with connection.cursor() as cursor:
        cursor.execute("SELECT holder_id_number, holder_name FROM hall_certificate")
        stored = " ".join(cursor.fetchone())
    assert "330402199001011230" not in stored and "王芳" not in stored
    assert AuditEvent.objects.filter(kind=AuditKind.CERTIFICATES_IMPORTED).count() == 2


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        ("not json", "not JSON"),
        ({**GOOD, "type": "diploma"}, "type"),
        ({**GOOD, "holder_id_number": "330402199001011231"}, "holder_id_number"),
        ({**GOOD, "valid_from": "2020-02-30"}, "valid_from"),
        ({**GOOD, "valid_until": "2019-01-01"}, "before"),
        ({**GOOD, "revoked": "no"}, "revoked"),
        ({**GOOD, "extra": 1}, "unknown"),
        ({k: v for k, v in GOOD.items() if k != "issuer"}, "missing issuer"),
        ({**GOOD, "subject": "a\x00b"}, "subject"),
        ([1, 2], "not an object"),
    ],
)
def test_one_bad_line_imports_nothing_and_names_the_line(tmp_path, bad, says):
    path = write(tmp_path, [GOOD | {"number": "OTHER1"}, bad])
    with pytest.raises(CommandError) as refused:
        call_command("import_certificates", path)
    assert "line 2" in str(refused.value) and says in str(refused.value)
    assert not Certificate.objects.exists()


def test_administrators_see_the_library_masked_and_cannot_edit_it(tmp_path, admin_client):
    call_command("import_certificates", write(tmp_path, [GOOD]))
    page = admin_client.get("/admin/hall/certificate/").content.decode()
    assert "3304**********1230" in page or "330402********1230" in page
    assert "330402199001011230" not in page
    assert admin_client.get("/admin/hall/certificate/add/").status_code == 403
