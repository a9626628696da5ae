"""Open311 GeoReport v2 at /open311/v2/: every endpoint as .json or .xml."""

from django.urls import re_path

from linli.gateways import open311

app_name = "open311"

FMT = r"\.(?P<fmt>[a-z]+)$"

urlpatterns = [
    re_path(rf"^discovery{FMT}", open311.discovery, name="discovery"),
    re_path(rf"^services{FMT}", open311.services, name="services"),
    re_path(rf"^services/(?P<code>[^/]+?){FMT}", open311.service_definition, name="service"),
    re_path(rf"^requests{FMT}", open311.requests, name="requests"),
    re_path(rf"^requests/(?P<number>[^/]+?){FMT}", open311.request_detail, name="request"),
    re_path(rf"^tokens/(?P<token>[^/]+?){FMT}", open311.token, name="token"),
    re_path(rf"^servicerequestupdates{FMT}", open311.updates, name="updates"),
]
