from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from linli.cases.rules_io import export_rules, import_rules


class Command(BaseCommand):
    help = "Export routing rules as CSV, or import them from CSV (all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export")
        export.add_argument("-o", "--output", help="write to this file instead of stdout")
        load = sub.add_parser("import")
        load.add_argument("file")
        load.add_argument(
            "--replace", action="store_true", help="delete the rules the file does not name"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "export":
            text = export_rules()
            if options["output"]:
                Path(options["output"]).write_text(text, encoding="utf-8")
            else:
                self.stdout.write(text, ending="")
            return
        try:
            text = Path(options["file"]).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {options['file']}: {exc}") from exc
        report = import_rules(text, replace=options["replace"])
        if report.errors:
            raise CommandError("nothing imported:\n" + "\n".join(report.errors))
        self.stdout.write(
            f"{report.created} created, {report.updated} updated, {report.deleted} deleted"
        )
