from django.contrib import admin
from django.urls import include, path

from linli.api import api
from linli.gateways import wechat

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("linli.people.urls")),
    path("open311/v2/", include("linli.gateways.urls")),
    path("gateways/wechat/", wechat.endpoint, name="wechat"),
    path("cases/", include("linli.cases.urls")),
    path("booking/", include("linli.booking.urls")),
    path("payments/", include("linli.payments.urls")),
    path("identity/", include("linli.identity.urls")),
    path("hall/", include("linli.hall.urls")),
    path("", include("linli.web.urls")),
]
