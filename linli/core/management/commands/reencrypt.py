"""linli manage reencrypt: rewrite personal data under the newest key after a rotation."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from linli.core import crypto
from linli.core.actions import reencrypt_all


class Command(BaseCommand):
    help = (
        "Rewrite every encrypted value whose key id is not the first key in LINLI_DATA_KEY. "
        "Keep the oldest key listed last: blind indexes are derived from it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        counts = reencrypt_all(actor=None, batch_size=max(1, options["batch_size"]))
        primary = crypto.keyring().primary_id
        for label, numbers in counts.items():
            self.stdout.write(
                f"{label}: {numbers['rewritten']} of {numbers['scanned']} rows rewritten"
            )
        total = sum(n["rewritten"] for n in counts.values())
        self.stdout.write(self.style.SUCCESS(f"{total} rows now under key {primary!r}."))
