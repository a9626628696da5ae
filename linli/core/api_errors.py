"""Turn pydantic/ninja validation errors into translated per-field messages."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

_WHERE = {"body", "query", "path", "form", "header", "cookie"}
_BODY_PARAMS = {"payload", "data"}  # the names our views give a body schema parameter


def _field_name(loc: list[Any] | tuple[Any, ...]) -> str:
    """("body", "payload", "phone") → "phone"; ("query", "date") → "date". A body field that is
    itself called ``data`` keeps its name: ("body", "payload", "data") → "data"."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in _WHERE:
        parts = parts[1:]
    if len(parts) > 1 and parts[0] in _BODY_PARAMS:
        parts = parts[1:]
    elif parts and parts[0] in _BODY_PARAMS:
        parts = []
    return ".".join(parts) or "__all__"


def _message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    messages = {
        "missing": _("This field is required."),
        "float_parsing": _("Enter a number."),
        "float_type": _("Enter a number."),
        "int_parsing": _("Enter a whole number."),
        "int_type": _("Enter a whole number."),
        "string_type": _("Enter text."),
        "bool_parsing": _("Enter true or false."),
        "literal_error": _("Choose one of the allowed values."),
        "enum": _("Choose one of the allowed values."),
        "json_invalid": _("The request body is not valid JSON."),
        "string_too_long": _("Too long."),
        "string_too_short": _("Too short."),
        "string_pattern_mismatch": _("The value has the wrong format."),
        "dict_type": _("Enter an object."),
        "list_type": _("Enter a list."),
        "model_attributes_type": _("Enter an object."),
    }
    if kind in messages:
        return messages[kind]
    if kind in {"greater_than_equal", "greater_than"}:
        return _("Must be at least %(limit)s.") % {"limit": ctx.get("ge", ctx.get("gt"))}
    if kind in {"less_than_equal", "less_than"}:
        return _("Must be at most %(limit)s.") % {"limit": ctx.get("le", ctx.get("lt"))}
    if kind == "value_error":
        return str(ctx.get("error", error.get("msg", "")))
    return _("Invalid value.")


def field_errors(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [{"field": _field_name(e.get("loc", ())), "message": _message(e)} for e in errors]
