"""``manage.py graphql_schema [--check]``: write ``graphapi/schema.graphql``
from the code, or say whether it is current."""

from django.core.management.base import BaseCommand, CommandError

from graphapi.schema import SCHEMA_FILE, printed


class Command(BaseCommand):
    help = "Write the GraphQL schema file from the code (--check: compare only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="exit non-zero if the file differs from the code",
        )

    def handle(self, *args, check: bool = False, **options) -> None:
        text = printed()
        current = SCHEMA_FILE.read_text() if SCHEMA_FILE.exists() else None
        if check:
            if current != text:
                raise CommandError(
                    f"{SCHEMA_FILE.name} is out of date: run manage.py graphql_schema"
                )
            self.stdout.write(f"{SCHEMA_FILE.name} is current")
            return

        SCHEMA_FILE.write_text(text)
        self.stdout.write(f"wrote {SCHEMA_FILE}")
