"""The yardstick: a bare Django JSON view, served by the same gunicorn in the same run."""

import django
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def echo(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True, "length": len(request.body)}, status=201)


settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    SECRET_KEY="bench-only-not-secret",
    MIDDLEWARE=[],
)
django.setup()
urlpatterns = [path("", echo), path("api/v1/cases", echo)]
application = get_wsgi_application()
