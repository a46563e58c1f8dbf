from django.core.management.base import BaseCommand, CommandError

from integrations.feeds import feed_pull, vendor_feed_ids
from integrations.models import FeedRun
from inventory.errors import StockError

GOOD = (FeedRun.Outcome.APPLIED, FeedRun.Outcome.STALE)


class Command(BaseCommand):
    help = "Pull a vendor's ERP feeds now, whatever their schedule or circuit."

    def add_arguments(self, parser):
        parser.add_argument("vendor", help="the vendor's code")

    def handle(self, *args, vendor, **options):
        try:
            pks = vendor_feed_ids(vendor_code=vendor)
        except StockError as error:
            raise CommandError(error.detail) from None

        failed = 0
        for pk in pks:
            run = feed_pull(feed_id=pk, force=True)
            if run is None:
                failed += 1
                self.stderr.write(f"feed {pk}: a pull of it is running already")
            elif run.outcome in GOOD:
                self.stdout.write(
                    f"feed {pk}: {run.outcome}, {run.lines} lines, "
                    f"{run.applied} applied, {run.stale} stale"
                )
            else:
                failed += 1
                self.stderr.write(f"feed {pk}: {run.outcome}: {run.error}")
        if failed:
            raise CommandError(f"{failed} of {len(pks)} feeds were not pulled")
