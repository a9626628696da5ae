from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _

from linli.places.models import Area, Level


def _map_config() -> dict[str, Any]:
    """Everything map.js needs: API addresses, the district's extent, tiles, and UI strings
    translated here (the script holds no text of its own)."""
    district = Area.objects.filter(level=Level.DISTRICT).order_by("code").first()
    center = (
        [district.centroid_lat, district.centroid_lon]
        if district and district.centroid_lat is not None
        else [30.75, 120.75]
    )
    return {
        "center": center,
        "district": district.code if district else "",
        "tiles": settings.LINLI_MAP_TILES,
        # Leaflet finds its marker images relative to this folder (served by Linli itself).
        "leaflet_images": static("vendor/leaflet/images/marker-icon.png").rsplit("/", 1)[0] + "/",
        "attribution": settings.LINLI_MAP_ATTRIBUTION,
        "api": {
            "locate": reverse("api:locate_point"),
            "areas": reverse("api:areas_geojson"),
            "rooms": reverse("api:list_rooms"),
            "nearest": reverse("api:nearest_rooms"),
        },
        "text": {
            "streets": _("Streets"),
            "communities": _("Communities"),
            "grids": _("Grids"),
            "micro_grids": _("Micro-grids (zoom in)"),
            "rooms": _("Police rooms"),
            "district": _("District"),
            "street": _("Street"),
            "community": _("Community"),
            "grid": _("Grid"),
            "micro_grid": _("Micro-grid"),
            "police_room": _("Police room"),
            "brand": _("Brand"),
            "hours": _("Hours"),
            "phone": _("Phone"),
            "address": _("Address"),
            "on_duty": _("Officer on duty"),
            "nobody": _("Nobody on duty: call 110 in an emergency"),
            "open": _("Open now"),
            "closed": _("Closed now"),
            "outside": _("This place is outside the district Linli serves."),
            "failed": _("Could not look this place up. Try again."),
            "locating": _("Finding your location…"),
            "no_geolocation": _("Your browser cannot share its location: tap the map instead."),
            "nearest": _("Nearest police rooms"),
            "metres": _("m"),
        },
    }


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", {"map_config": _map_config()})


def emap(request: HttpRequest) -> HttpResponse:
    return render(request, "web/map.html", {"map_config": _map_config()})
