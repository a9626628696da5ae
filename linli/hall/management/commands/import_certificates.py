from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from linli.hall.library_io import import_lines


class Command(BaseCommand):
    help = (
        "Load e-certificates into the library from a JSON-lines file (one certificate a line; "
        "see linli/hall/library_io.py). All or nothing; existing ones are updated."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a .jsonl file from the certificate platform")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        report = import_lines(lines, actor=None, source=f"command: {path.name}")
        if report.errors:
            raise CommandError("nothing imported:\n" + "\n".join(report.errors[:50]))
        self.stdout.write(f"{report.created} created, {report.updated} updated")
