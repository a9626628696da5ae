from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from linli.core.models import AuditEvent
from linli.places.actions import ImportRejected, export_areas, import_areas
from linli.places.models import Area
from linli.places.tests.conftest import X0, Y0, feature, small_city, square

pytestmark = pytest.mark.django_db


def test_an_import_creates_the_tree_and_writes_one_audit_event(admin_user):
    report = import_areas(small_city(), actor=admin_user)
    assert len(report.created) == 11
    assert Area.objects.get(code="330499001001002").parent.code == "330499001001"
    assert AuditEvent.objects.filter(kind=300).count() == 1


def test_importing_the_same_file_again_updates_and_creates_nothing(admin_user):
    import_areas(small_city(), actor=admin_user)
    report = import_areas(small_city(), actor=admin_user)
    assert report.created == [] and len(report.updated) == 11


def test_a_bad_feature_rejects_the_whole_file_and_names_each_problem(admin_user):
    collection = small_city()
    collection["features"] += [
        feature("33049900100100", "bad length", square(X0, Y0, 0.01, 0.01)),
        feature("330499009001", "no parent", square(X0, Y0, 0.01, 0.01)),
        feature("330499001001003", "", {"type": "Point", "coordinates": [X0, Y0]}),
        feature(
            "330499001001004",
            "bowtie",
            {
                "type": "Polygon",
                "coordinates": [
                    [[X0, Y0], [X0 + 0.01, Y0 + 0.01], [X0 + 0.01, Y0], [X0, Y0 + 0.01], [X0, Y0]]
                ],
            },
        ),
        feature("330499001001005", "far away", square(500, Y0, 0.01, 0.01)),
        "not even a feature",
    ]
    with pytest.raises(ImportRejected) as rejected:
        import_areas(collection, actor=admin_user)
    errors = {e["feature"]: e["errors"] for e in rejected.value.errors}
    assert len(errors) == 6
    assert "6, 9, 12, 15 or 18 digits" in errors[11][0]
    assert "parent area 330499009" in errors[12][0]
    assert len(errors[13]) == 2  # no name, not a polygon
    assert "not valid" in errors[14][0]
    assert "longitude/latitude" in errors[15][0]
    assert Area.objects.count() == 0


def test_export_gives_back_what_was_imported(admin_user):
    import_areas(small_city(), actor=admin_user)
    exported = export_areas(level="micro_grid", within="330499001001001")
    assert [f["properties"]["code"] for f in exported["features"]] == [
        "330499001001001001",
        "330499001001001002",
    ]
    assert exported["features"][0]["geometry"] == square(X0, Y0, 0.01, 0.01)


def test_the_commands_import_a_file_and_export_it(admin_user, tmp_path, capsys):
    source = tmp_path / "areas.geojson"
    source.write_text(json.dumps(small_city()), encoding="utf-8")
    call_command("import_areas", str(source))
    assert Area.objects.count() == 11
    out = tmp_path / "out.geojson"
    call_command("export_areas", "--level", "street", "-o", str(out))
    assert [f["properties"]["code"] for f in json.loads(out.read_text())["features"]] == [
        "330499001",
        "330499002",
    ]


def test_the_import_command_reports_errors_without_a_traceback(admin_user, tmp_path):
    source = tmp_path / "bad.geojson"
    source.write_text("{not json", encoding="utf-8")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("import_areas", str(source))
