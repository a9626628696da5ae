from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from linli.people.actions import PeopleError, create_api_token
from linli.people.models import User


class Command(BaseCommand):
    help = "Create a personal API token for a user and print it (it is shown only once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="command line")
        parser.add_argument(
            "--days", type=int, help="valid for this many days (default: until revoked)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user {options['username']!r}")
        try:
            new = create_api_token(user, actor=None, name=options["name"], days=options["days"])
        except PeopleError as error:
            raise CommandError(error.message) from error
        self.stdout.write(new.token)
