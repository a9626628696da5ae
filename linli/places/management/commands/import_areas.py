from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from linli.places.actions import ImportRejected, import_areas


class Command(BaseCommand):
    help = "Import or update areas from a GeoJSON FeatureCollection (all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a .geojson file with properties code, name[, level]")
        parser.add_argument("--user", help="the administrator recorded as the actor")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            collection = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
        except json.JSONDecodeError as exc:
            raise CommandError(f"{path} is not valid JSON: {exc}") from exc
        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"no user {options['user']!r}")
        try:
            report = import_areas(collection, actor=actor)
        except ImportRejected as rejected:
            for error in rejected.errors:
                where = f"feature {error['feature']}" if error["feature"] is not None else "file"
                code = f" ({error.get('code')})" if error.get("code") else ""
                self.stderr.write(f"{where}{code}: {'; '.join(error['errors'])}")
            raise CommandError(str(rejected)) from rejected
        self.stdout.write(f"{len(report.created)} created, {len(report.updated)} updated.")
