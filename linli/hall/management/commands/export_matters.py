from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from linli.hall.catalogue_io import export_xlsx


class Command(BaseCommand):
    help = "Write the whole catalogue of matters to an xlsx workbook."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the .xlsx file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            Path(options["file"]).write_bytes(export_xlsx())
        except OSError as exc:
            raise CommandError(f"cannot write {options['file']}: {exc}") from exc
        self.stdout.write(f"catalogue written to {options['file']}")
