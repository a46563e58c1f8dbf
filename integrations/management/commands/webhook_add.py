from django.core.management.base import BaseCommand, CommandError

from integrations.models import EVENT_KINDS
from integrations.services import endpoint_add
from inventory.errors import StockError


class Command(BaseCommand):
    help = "Register an endpoint for stock events and print its secret."

    def add_arguments(self, parser):
        parser.add_argument("url", help="where events are POSTed (http or https)")
        parser.add_argument(
            "--events",
            nargs="+",
            metavar="EVENT",
            help=f"events wanted (default: all of {', '.join(EVENT_KINDS)})",
        )

    def handle(self, *args, url, events, **options):
        try:
            endpoint = endpoint_add(url=url, events=events)
        except StockError as error:
            raise CommandError(error.detail) from None
        self.stdout.write(endpoint.secret)
