from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from linli.hall.actions import load_shipped_matters


class Command(BaseCommand):
    help = "Create the shipped matters this database lacks; existing matters are left as they are."

    def handle(self, *args: Any, **options: Any) -> None:
        added = load_shipped_matters(actor=None)
        self.stdout.write(f"{added} matters added")
