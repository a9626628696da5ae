from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from linli.hall.catalogue_io import import_xlsx


class Command(BaseCommand):
    help = "Create or update matters from an xlsx workbook (all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="an .xlsx file as written by export_matters")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        report = import_xlsx(data, actor=None, source=f"command: {path.name}")
        if report.errors:
            raise CommandError("nothing imported:\n" + "\n".join(report.errors))
        self.stdout.write(f"{report.created} created, {report.updated} updated")
