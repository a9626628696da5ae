from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from linli.places.actions import export_areas
from linli.places.models import Level


class Command(BaseCommand):
    help = "Export areas as a GeoJSON FeatureCollection."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--level", choices=[level.value for level in Level])
        parser.add_argument("--within", help="an area code prefix")
        parser.add_argument("-o", "--output", help="write to this file instead of stdout")

    def handle(self, *args: Any, **options: Any) -> None:
        collection = export_areas(level=options["level"], within=options["within"])
        text = json.dumps(collection, ensure_ascii=False)
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stderr.write(f"{len(collection['features'])} areas written to {options['output']}")
        else:
            self.stdout.write(text)
