"""linli manage seed_calendar [--check]: fill the holiday table from chinese_calendar."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from linli.core.actions import package_source, seed_calendar


class Command(BaseCommand):
    help = (
        "Add the holidays and adjusted workdays chinese_calendar knows and the table lacks, "
        "mark their years entered, and cross-check the result with holidays.China. "
        "Safe to run again: rows already in the table are never changed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="write nothing; exit with status 1 if rows or years would be added",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = seed_calendar(actor=None, dry_run=options["check"])
        verb = "would add" if options["check"] else "added"
        years = ", ".join(map(str, report.years_entered)) or "none"
        self.stdout.write(
            f"{package_source()}: {verb} {report.added} dates; years newly entered: {years}"
        )
        for line in report.conflicts:
            self.stdout.write(self.style.WARNING(f"conflict: {line}"))
        if report.disagreements:
            self.stdout.write(
                self.style.WARNING(
                    f"{len(report.disagreements)} dates where holidays.China disagrees "
                    "(check them against the State Council notice):"
                )
            )
            for line in report.disagreements:
                self.stdout.write(f"  {line}")
        else:
            self.stdout.write("holidays.China agrees on every entered year.")
        if options["check"] and report.pending:
            raise CommandError("the holiday table is behind chinese_calendar", returncode=1)
