"""Photos of a case or of a work order's completion, each cleaned by ``core.images`` (JPEG, PNG
or WebP up to 10 MB, re-encoded without EXIF or GPS). At most 3 on the case itself (the
resident's and the handler's) and, apart from those, at most 3 per work order (the receiving
unit's), so one side never uses up the other's."""

from __future__ import annotations

import uuid
from typing import IO, Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from linli.cases.actions.common import CaseError, add_event
from linli.cases.models import Case, CaseEvent, Photo, WorkOrder
from linli.core import images

MAX_PER_CASE = 3
MAX_PER_WORK_ORDER = 3


def clean_image(upload: IO[bytes], *, field: str = "photos") -> tuple[bytes, str]:
    """The re-encoded image and its extension, or CaseError naming the field."""
    try:
        return images.clean_image(upload)
    except images.ImageRefused as exc:
        raise CaseError(str(exc), field=field) from None


@transaction.atomic
def add_photos(
    case: Case, files: list[Any], *, actor: Any, work_order: WorkOrder | None = None
) -> list[Photo]:
    if not files:
        return []
    if work_order is None:
        if case.photos.filter(work_order=None).count() + len(files) > MAX_PER_CASE:
            message = _("At most %(n)d photos per case.") % {"n": MAX_PER_CASE}
            raise CaseError(message, field="photos")
    elif work_order.photos.count() + len(files) > MAX_PER_WORK_ORDER:
        message = _("At most %(n)d photos per work order.") % {"n": MAX_PER_WORK_ORDER}
        raise CaseError(message, field="photos")
    cleaned = [clean_image(upload) for upload in files]  # check all before storing any
    photos = []
    for data, extension in cleaned:
        photo = Photo(
            case=case,
            work_order=work_order,
            uploaded_by=actor if getattr(actor, "pk", None) else None,
        )
        photo.image.save(f"{uuid.uuid4().hex}.{extension}", ContentFile(data), save=False)
        photo.save()
        photos.append(photo)
    add_event(
        case,
        CaseEvent.Kind.PHOTO,
        actor=actor,
        public=work_order is None,
        note=_("%(n)d photo(s) added.") % {"n": len(photos)},
    )
    return photos
