"""The application form of a matter, declared as JSON and checked on the server.

A declaration is a list of fields::

    [{"name": "hotel_name", "label_zh": "旅馆名称", "label_en": "Hotel name",
      "type": "text", "required": true, "max_length": 100}, ...]

``check_declaration`` refuses a bad declaration when a matter is saved or imported;
``validate_form`` checks what an applicant sent against it and gives translated messages per
field. Phones, ID numbers and plates are checked by ``linli.core.identifiers``.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from linli.core import identifiers

FIELD_TYPES = ("text", "textarea", "date", "integer", "choice", "phone", "id_number", "plate")
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,39}")
DATE_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
KEYS = {"name", "label_zh", "label_en", "type", "required", "choices", "max_length"}
DEFAULT_MAX = {"text": 200, "textarea": 2000}


class DeclarationError(ValueError):
    """A form declaration that cannot be used; ``messages`` are translated."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


def _check_field(number: int, spec: Any, seen: set[str]) -> list[str]:
    where = {"n": number}
    if not isinstance(spec, dict):
        return [_("field %(n)d is not an object.") % where]
    errors = []
    unknown = sorted(set(spec) - KEYS)
    if unknown:
        errors.append(
            _("field %(n)d has unknown keys: %(keys)s.") % {**where, "keys": ", ".join(unknown)}
        )
    name = spec.get("name")
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        errors.append(_("field %(n)d needs a name in lower-case letters, digits and _.") % where)
    elif name in seen:
        errors.append(_("field %(n)d repeats the name “%(name)s”.") % {**where, "name": name})
    else:
        seen.add(name)
    for key in ("label_zh", "label_en"):
        if not isinstance(spec.get(key), str) or not spec[key].strip() or "\x00" in spec[key]:
            errors.append(_("field %(n)d needs a %(key)s.") % {**where, "key": key})
    kind = spec.get("type")
    if kind not in FIELD_TYPES:
        errors.append(
            _("field %(n)d has the type “%(type)s”; use one of %(types)s.")
            % {**where, "type": kind, "types": ", ".join(FIELD_TYPES)}
        )
    if not isinstance(spec.get("required", False), bool):
        errors.append(_("field %(n)d: required must be true or false.") % where)
    choices = spec.get("choices")
    if kind == "choice":
        if (
            not isinstance(choices, list)
            or not choices
            or not all(isinstance(c, str) and c.strip() and "\x00" not in c for c in choices)
            or len(set(choices)) != len(choices)
        ):
            errors.append(
                _("field %(n)d is a choice and needs a list of distinct choices.") % where
            )
    elif choices is not None:
        errors.append(_("field %(n)d has choices but is not a choice field.") % where)
    max_length = spec.get("max_length")
    if max_length is not None and (
        isinstance(max_length, bool)
        or not isinstance(max_length, int)
        or not 0 < max_length <= 5000
    ):
        errors.append(_("field %(n)d: max_length must be a whole number from 1 to 5000.") % where)
    return errors


def check_declaration(declaration: Any) -> list[dict[str, Any]]:
    """The declaration as stored, or ``DeclarationError`` naming every bad field."""
    if not isinstance(declaration, list):
        raise DeclarationError([_("The form must be a list of fields.")])
    seen: set[str] = set()
    errors: list[str] = []
    for number, spec in enumerate(declaration, start=1):
        errors.extend(_check_field(number, spec, seen))
    if errors:
        raise DeclarationError(errors)
    return [dict(spec) for spec in declaration]


def label(spec: dict[str, Any]) -> str:
    """The field's label in the active language (Chinese unless English was asked for)."""
    language = translation.get_language() or "zh-hans"
    return str(spec["label_en"] if language.startswith("en") else spec["label_zh"])


def _clean_value(spec: dict[str, Any], value: Any) -> Any:
    """The clean value of one filled-in field, or ValueError with a translated message."""
    kind = spec["type"]
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValueError(_("Enter a whole number."))
        try:
            return int(str(value).strip())
        except ValueError:
            raise ValueError(_("Enter a whole number.")) from None
    if not isinstance(value, str):
        raise ValueError(_("Enter text."))
    text = value.strip()
    if "\x00" in text:
        raise ValueError(_("The text contains characters that are not allowed."))
    if kind in ("text", "textarea"):
        limit = spec.get("max_length") or DEFAULT_MAX[kind]
        if len(text) > limit:
            raise ValueError(_("At most %(n)d characters.") % {"n": limit})
        return text
    if kind == "date":
        return _clean_date(text)
    if kind == "choice":
        if text not in spec["choices"]:
            raise ValueError(_("Choose one of the allowed values."))
        return text
    try:
        if kind == "phone":
            return identifiers.parse_phone(text).e164
        if kind == "id_number":
            return identifiers.normalise_citizen_id(text)
        return identifiers.parse_plate(text).number
    except identifiers.IdentifierError as exc:
        raise ValueError(str(exc)) from None


def _clean_date(text: str) -> str:
    if DATE_PATTERN.fullmatch(text):
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            pass
    raise ValueError(_("Enter a date as YYYY-MM-DD."))


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def validate_form(matter: Any, data: Any) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Check an application's answers against the matter's form.

    Returns the clean answers and the translated errors by field name (empty when all is well).
    Unknown fields are refused, so nothing undeclared is ever stored."""
    if not isinstance(data, dict):
        return {}, {"__all__": [_("The form must be an object of field names and values.")]}
    declaration = matter.form if hasattr(matter, "form") else matter
    clean: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    declared = {spec["name"] for spec in declaration}
    for name in data:
        if name not in declared:
            errors[str(name)] = [_("This form has no such field.")]
    for spec in declaration:
        value = data.get(spec["name"])
        if _empty(value):
            if spec.get("required"):
                errors[spec["name"]] = [_("This field is required.")]
            continue
        try:
            clean[spec["name"]] = _clean_value(spec, value)
        except ValueError as exc:
            errors[spec["name"]] = [str(exc)]
    return (clean, errors) if not errors else ({}, errors)
