"""Materials handed in as files: a PDF kept as sent, a photo re-encoded without its EXIF, and
garbage refused by field with nothing stored."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from linli.core.audit import AuditKind
from linli.core.models import AuditEvent
from linli.hall.models import Application, ApplicationMaterial
from linli.hall.tests.conftest import HOTEL_ANSWERS, SCAN
from linli.hall.tests.test_applications import bearer
from linli.hall.tests.test_fees_and_pages import file_hotel, form

pytestmark = pytest.mark.django_db
API = "/api/v1/hall/applications"
PDF = SCAN
FLOOR_PLAN = 3  # 旅馆平面图: not in the library


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), "white")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif.get_ifd(0x8825)[1] = "N"  # GPSInfo: GPSLatitudeRef
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def send(client, user, number, position, name, data):
    upload = SimpleUploadedFile(name, data)
    return client.post(f"{API}/{number}/materials/{position}", {"file": upload}, **bearer(user))


def test_a_pdf_is_kept_and_a_photo_loses_its_exif(client, resident):
    application = file_hotel(resident)
    response = send(client, resident, application.number, FLOOR_PLAN, "plan.pdf", PDF)
    assert response.status_code == 200, response.json()
    row = next(m for m in response.json()["materials"] if m["position"] == FLOOR_PLAN)
    assert row["source"] == "upload"
    stored = ApplicationMaterial.objects.get(application=application, position=FLOOR_PLAN)
    assert stored.upload.read() == PDF
    photo = jpeg_with_gps()
    assert b"PhoneMaker" in photo
    assert send(client, resident, application.number, 4, "staff.jpg", photo).status_code == 200
    kept = ApplicationMaterial.objects.get(application=application, position=4).upload.read()
    assert kept.startswith(b"\xff\xd8") and b"PhoneMaker" not in kept
    assert application.events.filter(kind="uploaded").count() == 2


@pytest.mark.parametrize(
    ("position", "name", "data", "status"),
    [
        (FLOOR_PLAN, "x.exe", b"MZ\x90\x00 not a document", 400),
        (FLOOR_PLAN, "half.pdf", b"%PDF-1.4 cut off", 400),
        (FLOOR_PLAN, "fake.jpg", b"\xff\xd8\xff\xe0 broken", 400),
        (FLOOR_PLAN, "big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024) + b"%%EOF", 400),
        (0, "card.pdf", PDF, 409),  # the ID card came from the library
        (99, "x.pdf", PDF, 404),
    ],
)
def test_bad_files_are_refused_and_nothing_changes(client, resident, position, name, data, status):
    application = file_hotel(resident)
    response = send(client, resident, application.number, position, name, data)
    assert response.status_code == status, response.json()
    if status == 400:
        assert {e["field"] for e in response.json()["errors"]} == {"file"}
    assert not ApplicationMaterial.objects.filter(source="upload").exists()


def test_no_file_is_400_and_strangers_get_404(client, resident, stranger):
    application = file_hotel(resident)
    url = f"{API}/{application.number}/materials/{FLOOR_PLAN}"
    assert client.post(url, {}, **bearer(resident)).status_code == 400
    assert send(client, stranger, application.number, FLOOR_PLAN, "p.pdf", PDF).status_code == 404


def test_nothing_is_taken_after_the_decision(client, resident, clerk):
    from linli.hall import applications

    application = file_hotel(resident, delivery="window")
    applications.act(application, "refuse", applications.Step("不符合条件"), actor=clerk)
    response = send(client, resident, application.number, FLOOR_PLAN, "p.pdf", PDF)
    assert response.status_code == 409


def test_files_sent_with_the_form_are_handed_in_and_checked_first(client, resident, hotel):
    client.force_login(resident)
    url = "/hall/matters/hotel_special_trade/apply/"
    bad = client.post(url, {**form(), f"material_{FLOOR_PLAN}": SimpleUploadedFile("p.txt", b"hi")})
    assert bad.status_code == 400 and not Application.objects.exists()
    good = client.post(url, {**form(), f"material_{FLOOR_PLAN}": SimpleUploadedFile("p.pdf", PDF)})
    assert good.status_code == 302
    row = ApplicationMaterial.objects.get(position=FLOOR_PLAN)
    assert row.source == "upload" and row.upload.read() == PDF


def test_the_file_is_shown_to_its_applicant_and_to_staff_with_an_audit(
    client, resident, clerk, stranger
):
    application = file_hotel(resident)
    send(client, resident, application.number, FLOOR_PLAN, "plan.pdf", PDF)
    url = f"/hall/applications/{application.number}/materials/{FLOOR_PLAN}"
    client.force_login(resident)
    assert b"".join(client.get(url).streaming_content) == PDF
    assert not AuditEvent.objects.filter(kind=AuditKind.PERSONAL_DATA_READ).exists()
    client.force_login(clerk)
    assert client.get(url).status_code == 200
    assert AuditEvent.objects.filter(kind=AuditKind.PERSONAL_DATA_READ, actor=clerk).count() == 1
    client.force_login(stranger)
    assert client.get(url).status_code == 404
    client.force_login(resident)
    assert client.get(f"/hall/applications/{application.number}/materials/0").status_code == 404


def test_the_answers_stay_as_sent_when_a_file_is_refused(client, resident, hotel):
    client.force_login(resident)
    response = client.post(
        "/hall/matters/hotel_special_trade/apply/",
        {**form(), f"material_{FLOOR_PLAN}": SimpleUploadedFile("p.txt", b"hi")},
    )
    assert HOTEL_ANSWERS["organisation_name"] in response.content.decode()


@pytest.mark.parametrize("position", ["²", "٣", "-1", "9" * 40, "", "x"])
def test_a_garbage_position_is_refused_on_the_page_and_ignored_with_the_form(
    client, resident, hotel, position
):
    application = file_hotel(resident)
    client.force_login(resident)
    response = client.post(
        f"/hall/applications/{application.number}/",
        {"verb": "upload", "position": position, "file": SimpleUploadedFile("p.pdf", PDF)},
    )
    assert response.status_code == 302  # back to the page, with the message below
    page = client.get(response["Location"]).content.decode()
    assert "请选择要上传的文件。" in page
    assert not ApplicationMaterial.objects.filter(source="upload").exists()
    sent = client.post(
        "/hall/matters/hotel_special_trade/apply/",
        {**form(), f"material_{position}": SimpleUploadedFile("p.pdf", PDF)},
    )
    assert sent.status_code == 302  # the odd file key is not a material: nothing is attached
    assert not ApplicationMaterial.objects.filter(source="upload").exists()
