"""Model fields for personal data.

``EncryptedTextField`` keeps plaintext in Python and AES-GCM ciphertext in the database.
Lookups on it are meaningless; store a ``blind_index`` of the value in a sibling
``<name>_index`` column (set by the action that writes the value) and filter on that.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from linli.core import crypto


class EncryptedTextField(models.TextField):
    description = "Text encrypted at rest with AES-GCM"

    def contribute_to_class(
        self, cls: type[models.Model], name: str, *args: Any, **kw: Any
    ) -> None:
        super().contribute_to_class(cls, name, *args, **kw)
        self._context = f"{cls._meta.app_label}.{cls.__name__}.{name}"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return crypto.decrypt(value, context=self._context)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(str(value), context=self._context)

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name not in ("isnull",):
            raise TypeError(
                f"{self._context} is encrypted; filter on its blind index instead of "
                f"'{lookup_name}'."
            )
        return super().get_lookup(lookup_name)
