from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from linli.web.demo.loader import load_demo, write_accounts


class Command(BaseCommand):
    help = (
        "Load the demo city (a fictional district) and its accounts once; a second run only "
        "keeps the duty roster four weeks ahead. Lists the demo accounts."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-progress", action="store_true", help="do not show a progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        summary = load_demo(self.stdout, progress=False if options["no_progress"] else None)
        write_accounts(self.stdout, summary.accounts)
