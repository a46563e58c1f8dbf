from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from integrations.services import vendor_add
from inventory.errors import StockError


class Command(BaseCommand):
    help = "Add a vendor and print its webhook secret."

    def add_arguments(self, parser):
        parser.add_argument("code", help="the vendor's code, used in its URL")
        parser.add_argument("--secret", help="a secret to use (default: a new one)")
        parser.add_argument("--name", default="", help="a name shown in the admin")

    def handle(self, *args, code, secret, name, **options):
        try:
            vendor = vendor_add(code=code, secret=secret, name=name)
        except StockError as error:
            raise CommandError(error.detail) from None
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(vendor.secret)
