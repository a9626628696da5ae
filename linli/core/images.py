"""Uploaded images (photos of a case, scans of an application's materials): JPEG, PNG or WebP
up to 10 MB, decoded and re-encoded so that nothing of the original file survives — EXIF, the
GPS position and any payload hidden after the image data included."""

from __future__ import annotations

import io
from typing import IO

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 10 MB JPEG of a phone camera is about 12 MP; refuse bombs
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


class ImageRefused(ValueError):
    """Not an image we take; the message is translated."""


def clean_image(upload: IO[bytes]) -> tuple[bytes, str]:
    """The re-encoded image and its extension, or ImageRefused."""
    return reencode(upload.read(MAX_BYTES + 1))


def reencode(data: bytes) -> tuple[bytes, str]:
    if len(data) > MAX_BYTES:
        raise ImageRefused(_("A photo may be at most 10 MB."))
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format or ""
            if kind not in FORMATS:
                raise ImageRefused(_("Send a JPEG, PNG or WebP photo."))
            if probe.width * probe.height > MAX_PIXELS:
                raise ImageRefused(_("The photo has too many pixels."))
            probe.load()
            image = ImageOps.exif_transpose(probe)  # keep it upright, then drop EXIF
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        if isinstance(exc, ImageRefused):
            raise
        raise ImageRefused(_("Send a JPEG, PNG or WebP photo.")) from None
    out = io.BytesIO()
    if kind == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    elif kind == "PNG":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "WEBP", quality=85)
    return out.getvalue(), FORMATS[kind]
