"""``manage.py forecast_backtest --train FILE --test FILE``.

Fit the demand model on the training file's orders alone, forecast the
test file's period week by week and print one JSON object a line: the
WAPE of each level beside seasonal naive, then the replenishment
policy's fill rate and stock beside the baseline policy's.
"""

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from catalog.orderfile import OrderFileError
from forecasting.backtest import BacktestError, backtest_files


def service_level(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise CommandError(f"--service-level {text!r} is not a number") from None
    if not 0.5 <= value < 1:
        raise CommandError(f"--service-level {text} is not from 0.5 to below 1")
    return value


class Command(BaseCommand):
    help = (
        "Backtest the demand forecast: fit on --train, score on --test "
        "(both Superstore-format order files); one JSON line per level."
    )

    def add_arguments(self, parser):
        parser.add_argument("--train", required=True, help="orders to fit on")
        parser.add_argument("--test", required=True, help="orders to score on")
        parser.add_argument(
            "--service-level",
            default=str(settings.FORECAST_SERVICE_LEVEL),
            help="the policy's service level (default %(default)s)",
        )

    def handle(self, *args, **options):
        level = service_level(options["service_level"])
        try:
            lines = backtest_files(
                train_path=options["train"],
                test_path=options["test"],
                service_level=level,
            )
        except (OrderFileError, BacktestError) as exc:
            raise CommandError(str(exc)) from None

        for line in lines:
            self.stdout.write(json.dumps(line))
