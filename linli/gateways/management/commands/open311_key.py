from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from linli.gateways.actions import create_client, revoke_client
from linli.gateways.models import OpenClient


class Command(BaseCommand):
    help = "Manage Open311 client keys: create NAME (prints the key once), list, revoke NAME."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("create").add_argument("name")
        sub.add_parser("list")
        sub.add_parser("revoke").add_argument("name")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "list":
            for client in OpenClient.objects.order_by("name"):
                state = "active" if client.is_active else "revoked"
                self.stdout.write(f"{client.name}\t{client.key_prefix}…\t{state}")
            return
        name = options["name"].strip()
        if not name or len(name) > 100:
            raise CommandError("a name of 1 to 100 characters is needed")
        if action == "create":
            if OpenClient.objects.filter(name=name).exists():
                raise CommandError(f"a client named {name!r} exists")
            _created, key = create_client(name)
            self.stdout.write(key)
            return
        found = OpenClient.objects.filter(name=name).first()
        if found is None:
            raise CommandError(f"no client named {name!r}")
        revoke_client(found)
        self.stdout.write(f"{name} revoked")
