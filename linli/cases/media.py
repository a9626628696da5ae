"""Case photos are served by Linli through signed links, never from media storage as it is.

A page or an API answer that shows a photo to someone allowed to see it (the case's visibility
rules, a follow-up code, Open311's public cases) gives a link signed with the secret key and
valid for ``PHOTO_LINK_SECONDS``; whoever holds the link gets the file, and nobody can guess or
widen one. Behind nginx, ``LINLI_MEDIA_ACCEL`` hands the sending to nginx's internal ``/media/``
location (X-Accel-Redirect) after the check.
"""

from __future__ import annotations

import mimetypes

from django.conf import settings
from django.core import signing
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.urls import reverse

from linli.cases.models import Photo

PHOTO_LINK_SECONDS = 24 * 3600
_SALT = "linli.cases.photo"


def photo_url(photo: Photo) -> str:
    token = signing.TimestampSigner(salt=_SALT).sign(str(photo.pk))
    return reverse("cases:photo", args=[token])


def photo(request: HttpRequest, token: str) -> HttpResponseBase:
    try:
        pk = signing.TimestampSigner(salt=_SALT).unsign(token, max_age=PHOTO_LINK_SECONDS)
    except signing.BadSignature:  # also an expired link
        raise Http404 from None
    found = Photo.objects.filter(pk=int(pk)).first()
    if found is None or not found.image:
        raise Http404
    content_type = mimetypes.guess_type(found.image.name)[0] or "application/octet-stream"
    response: HttpResponseBase
    if getattr(settings, "LINLI_MEDIA_ACCEL", False):
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = f"/media/{found.image.name}"
    else:
        try:
            response = FileResponse(found.image.open("rb"), content_type=content_type)
        except FileNotFoundError:
            raise Http404 from None
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
