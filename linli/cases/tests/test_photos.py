"""Photos are checked by their content, re-encoded, and lose their EXIF (GPS included)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from linli.cases.actions import CaseError, Intake, add_photos, submit_case
from linli.cases.models import Photo

pytestmark = pytest.mark.django_db

GPS_IFD = 0x8825


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (30.0, 45.0, 0.0), 3: "E", 4: (120.0, 45.0, 0.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 255, 128)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def case(spot, resident):
    intake = Intake(
        kind="report",
        channel="web",
        description="路灯坏了一个多星期，晚上很黑",
        lon=spot[0],
        lat=spot[1],
    )
    return submit_case(intake, actor=resident).case


def upload(data: bytes, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def test_a_jpeg_loses_its_gps_position_and_other_exif(case, resident):
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)  # the test input has GPS

    (photo,) = add_photos(case, [upload(original)], actor=resident)

    with photo.image.open("rb") as stored:
        data = stored.read()
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and image.size == (64, 48)
    assert not image.getexif()
    assert b"PhoneMaker" not in data
    assert case.events.filter(kind="photo").exists()


def test_png_stays_png_and_a_name_does_not_decide_the_type(case, resident):
    (photo,) = add_photos(case, [upload(png(), "holiday.jpg")], actor=resident)
    assert photo.image.name.endswith(".png")


@pytest.mark.parametrize(
    "data",
    [b"", b"not an image at all", b"GIF89a" + b"\x00" * 100, b"\xff\xd8\xff" + b"\x00" * 50],
)
def test_what_is_not_a_jpeg_png_or_webp_is_refused(case, resident, data):
    with pytest.raises(CaseError) as caught:
        add_photos(case, [upload(data)], actor=resident)
    assert caught.value.field == "photos"
    assert not Photo.objects.exists()


def test_a_gif_is_refused_even_when_it_is_a_real_image(case, resident):
    out = io.BytesIO()
    Image.new("RGB", (5, 5)).save(out, "GIF")
    with pytest.raises(CaseError, match="JPEG, PNG or WebP"):
        add_photos(case, [upload(out.getvalue(), "x.gif")], actor=resident)


def test_more_than_ten_megabytes_is_refused(case, resident):
    with pytest.raises(CaseError, match="10 MB"):
        add_photos(case, [upload(jpeg_with_gps() + b"\x00" * (10 * 1024 * 1024))], actor=resident)


def test_at_most_three_photos_per_case_and_nothing_stored_when_one_is_bad(case, resident):
    with pytest.raises(CaseError):
        add_photos(case, [upload(png()), upload(b"junk")], actor=resident)
    assert not Photo.objects.exists()
    add_photos(case, [upload(png()), upload(jpeg_with_gps())], actor=resident)
    with pytest.raises(CaseError, match="3"):
        add_photos(case, [upload(png()), upload(png())], actor=resident)
    assert Photo.objects.count() == 2


def test_the_reporter_adds_photos_over_the_api_with_the_follow_up_code(client, spot):
    created = client.post(
        "/api/v1/cases",
        json.dumps(
            {
                "kind": "tip",
                "description": "出租屋里有人聚众赌博",
                "lon": spot[0],
                "lat": spot[1],
                "anonymous": True,
            }
        ),
        content_type="application/json",
    ).json()
    url = f"/api/v1/cases/{created['number']}/photos"
    ok = client.post(url, {"photos": [upload(jpeg_with_gps())], "code": created["follow_up_code"]})
    assert ok.status_code == 201 and len(ok.json()["photos"]) == 1
    wrong = client.post(url, {"photos": [upload(png())], "code": "NOPE"})
    assert wrong.status_code == 404
    junk = client.post(url, {"photos": [upload(b"junk")], "code": created["follow_up_code"]})
    assert junk.status_code == 400 and junk.json()["errors"][0]["field"] == "photos"


def test_a_photo_is_served_through_its_signed_link_only(client, case, resident, monkeypatch):
    from linli.cases import media

    (photo,) = add_photos(case, [upload(jpeg_with_gps())], actor=resident)
    client.force_login(resident)
    page = client.get(f"/cases/c/{case.number}/").content.decode()
    assert f"/cases/photos/{photo.pk}:" in page and photo.image.name not in page  # signed link
    client.logout()  # the link itself is the permission: shown to someone allowed to see it
    served = client.get(photo.url)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert b"".join(served.streaming_content) == photo.image.open("rb").read()
    assert "private" in served["Cache-Control"]

    token = photo.url.rstrip("/").rsplit("/", 1)[1]
    forged = f"{photo.pk + 1}:{token.split(':', 1)[1]}"  # another photo's id, the same signature
    for bad in (forged, "x", token[:-2] + "zz", "1:2:3"):
        assert client.get(f"/cases/photos/{bad}").status_code == 404
    assert client.get(f"/media/{photo.image.name}").status_code == 404  # storage is not served
    monkeypatch.setattr(media, "PHOTO_LINK_SECONDS", -1)  # every link has expired
    assert client.get(photo.url).status_code == 404


def test_behind_nginx_the_file_is_handed_over_with_x_accel_redirect(
    client, case, resident, settings
):
    (photo,) = add_photos(case, [upload(png(), "p.png")], actor=resident)
    settings.LINLI_MEDIA_ACCEL = True
    served = client.get(photo.url)
    assert served.status_code == 200 and served["X-Accel-Redirect"] == f"/media/{photo.image.name}"
    assert served.content == b""
