"""What a reporter does after reporting: rate the result (or reopen the case) and add photos,
signed in or with the follow-up code; the handling unit may add photos too."""

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Schema, Status
from ninja.files import UploadedFile

from linli.cases import actions
from linli.cases.actions.common import CaseError
from linli.cases.api.common import Anyone, Text, caller, fail, router, visible_case
from linli.cases.models import Case
from linli.cases.permissions import require_handler


class FeedbackIn(Schema):
    rating: int = Field(..., ge=1, le=5, strict=True)
    comment: Text = Field("", max_length=1000)
    reopen: bool = False
    code: Text = Field("", max_length=32)


class FeedbackOut(Schema):
    number: str
    status: str
    rating: int


@router.post(
    "/{number}/feedback",
    response={201: FeedbackOut},
    auth=Anyone(),
    summary="The reporter rates the result, or reopens the case",
    operation_id="linli_cases_api_give_feedback",
)
def give_feedback(request: HttpRequest, number: str, payload: FeedbackIn) -> Status:
    user = caller(request)
    try:
        with transaction.atomic():
            if user is not None and not payload.code:
                found = Case.objects.filter(number=number[:40], reporter_id=user.pk).first()
            else:
                found = actions.case_by_follow_up_code(number[:40], payload.code)
            if found is None:
                raise CaseError(_("Not found."), status=404)
            case = Case.objects.select_for_update().get(pk=found.pk)
            feedback = actions.give_feedback(
                case,
                actor=user,
                rating=payload.rating,
                comment=payload.comment,
                reopen=payload.reopen,
            )
    except CaseError as exc:
        raise fail(exc) from None
    return Status(201, {"number": case.number, "status": case.status, "rating": feedback.rating})


class PhotosOut(Schema):
    photos: list[str]


@router.post(
    "/{number}/photos",
    response={201: PhotosOut},
    auth=Anyone(),
    summary="Add up to 3 photos (multipart field `photos`)",
    operation_id="linli_cases_api_add_photos",
)
def add_photos(
    request: HttpRequest,
    number: str,
    photos: File[list[UploadedFile]],
    code: Form[str] = "",
) -> Status:
    """The reporter (signed in, or with the follow-up code) or the handling unit."""
    user = caller(request)
    try:
        with transaction.atomic():
            found: Case | None
            if user is not None and not code:
                found = visible_case(request, number[:40])
                if found.reporter_id != user.pk:
                    require_handler(user, found)
            else:
                found = actions.case_by_follow_up_code(number[:40], code[:32])
                if found is None:
                    raise CaseError(_("Not found."), status=404)
            case = Case.objects.select_for_update().get(pk=found.pk)
            added = actions.add_photos(case, list(photos), actor=user)
    except CaseError as exc:
        raise fail(exc) from None
    return Status(201, {"photos": [photo.url for photo in added]})
