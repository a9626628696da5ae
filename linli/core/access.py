"""Jurisdiction: what a user may see, as area-code prefixes.

A user's scope is the area code of every unit in which they hold an active staff role.
Administrators and commanders (and superusers) see everything; residents and volunteers have no
jurisdiction at all — they see only what is theirs, which each app decides. Apps build their
``QuerySet.visible_to(user)`` from ``scope_q`` and fetch single rows with
``get_visible_or_404``, which answers "missing" and "not yours" alike.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from ninja.errors import HttpError

M = TypeVar("M", bound=Model)

EVERYWHERE_ROLES = frozenset({"administrator", "commander"})
NO_SCOPE_ROLES = frozenset({"resident", "volunteer"})


def scope_prefixes(user: Any) -> list[str] | None:
    """None: everything. []: nothing. Otherwise the area-code prefixes the user may see."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.is_superuser:
        return None
    if hasattr(user, "_linli_scope"):
        cached: list[str] | None = user._linli_scope
        return cached
    memberships = user.memberships.filter(is_active=True, unit__is_active=True).values_list(
        "role", "unit__area_code"
    )
    prefixes: list[str] | None = []
    for role, area_code in memberships:
        if role in EVERYWHERE_ROLES:
            prefixes = None
            break
        if role not in NO_SCOPE_ROLES and prefixes is not None:
            prefixes.append(area_code)
    if prefixes is not None:
        # Drop prefixes covered by a shorter one: 330499 makes 330499001 redundant.
        prefixes = sorted(set(prefixes), key=len)
        prefixes = [
            p for i, p in enumerate(prefixes) if not any(p.startswith(q) for q in prefixes[:i])
        ]
    user._linli_scope = prefixes
    return prefixes


def scope_q(user: Any, field: str) -> Q:
    """A filter keeping rows whose ``field`` (an area code) lies in the user's scope."""
    prefixes = scope_prefixes(user)
    if prefixes is None:
        return Q()
    if not prefixes:
        return Q(pk__in=[])
    condition = Q()
    for prefix in prefixes:
        condition |= Q(**{f"{field}__startswith": prefix})
    return condition


def get_visible_or_404(queryset: QuerySet[M], **lookup: Any) -> M:
    """The row, from a queryset already narrowed with visible_to(); Http404 otherwise."""
    row = queryset.filter(**lookup).first()
    if row is None:
        raise Http404(_("Not found."))
    return row


def get_visible_or_404_api(queryset: QuerySet[M], **lookup: Any) -> M:
    row = queryset.filter(**lookup).first()
    if row is None:
        raise HttpError(404, _("Not found."))
    return row
