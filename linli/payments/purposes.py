"""Where a payer goes back to after paying: each app that charges fees registers the page of
what an order pays for (by the order's ``purpose_kind``), so the return page can link to it
without payments knowing the other apps."""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse

_PAGES: dict[str, str] = {}


def register_purpose(kind: str, url_name: str) -> None:
    """``url_name`` takes the order's ``purpose_reference`` as its only argument."""
    _PAGES[kind] = url_name


def purpose_url(order: Any) -> str:
    url_name = _PAGES.get(order.purpose_kind)
    if not url_name:
        return ""
    try:
        return reverse(url_name, args=[order.purpose_reference])
    except NoReverseMatch:
        return ""
