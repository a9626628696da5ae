from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from linli.people.coverage import coverage_gaps


class Command(BaseCommand):
    help = "List every opening hour in which a police room has nobody on duty."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=28)

    def handle(self, *args: Any, **options: Any) -> None:
        # Opening hours belong to police rooms (places, a floor above people): read them here,
        # in the command, so that the people app itself never imports places.
        from linli.places.models import PoliceRoom

        start = timezone.localdate()
        end = start + timedelta(days=options["days"] - 1)
        total = 0
        for room in PoliceRoom.objects.select_related("unit").order_by("name"):
            gaps = coverage_gaps(room.unit, start, end, room.hours)
            total += len(gaps)
            for gap in gaps:
                self.stdout.write(f"{room.name}\t{timezone.localtime(gap):%Y-%m-%d %H:%M}")
        self.stdout.write(f"{total} uncovered opening hour(s) from {start} to {end}.")
        if total:
            raise SystemExit(1)
