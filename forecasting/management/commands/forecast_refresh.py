"""``manage.py forecast_refresh``: refit the forecasts now, as the nightly
job and each import do, and say how many levels have one."""

from django.core.management.base import BaseCommand

from forecasting.services import forecasts_refresh


class Command(BaseCommand):
    help = "Refit the demand forecasts and the restock levels from them."

    def handle(self, *args, **options):
        count = forecasts_refresh()
        self.stdout.write(f"forecasts refreshed: {count} levels")
