"""The one NinjaAPI at /api/v1/. Each app contributes a router; errors have one shape:

    {"message": "...", "errors": [{"field": "lon", "message": "..."}]}

with translated messages, status 400 for bad input, 401/403 for auth, 404 for missing.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from linli.booking.api import router as booking_router
from linli.cases.api import router as cases_router
from linli.cases.api import work_orders_router
from linli.core.api_errors import field_errors
from linli.hall.api import router as hall_router
from linli.identity.api import router as identity_router
from linli.payments.api import router as payments_router
from linli.people.api import router as people_router
from linli.places.api import router as places_router

api = NinjaAPI(
    title="Linli API",
    version="1",
    description="Linli (邻里) community policing and neighbourhood services.",
    urls_namespace="api",
)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(
        request,
        {"message": _("The request has invalid fields."), "errors": field_errors(exc.errors)},
        status=400,
    )


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {"message": _("Authentication required.")}, status=401)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    body: dict[str, object] = {"message": str(exc)}
    field = getattr(exc, "field", "")
    if field:  # an action's error about one field (CaseError, PeopleError …)
        body["errors"] = [{"field": field, "message": str(exc)}]
    if getattr(exc, "errors", None):  # several fields at once (a matter's application form)
        body["errors"] = exc.errors  # type: ignore[attr-defined]
    return api.create_response(request, body, status=exc.status_code)


api.add_router("/places/", places_router)
api.add_router("/people/", people_router)
api.add_router("/cases", cases_router)
api.add_router("/work-orders/", work_orders_router)
api.add_router("/booking/", booking_router)
api.add_router("/payments/", payments_router)
api.add_router("/identity/", identity_router)
api.add_router("/hall/", hall_router)
