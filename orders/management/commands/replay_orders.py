"""``manage.py replay_orders FILE --speed N``: a file's orders as demand.

Orders are grouped by Order ID and replayed in Order Date order through
the shop's own services (hold, order, shipment), ``N`` times faster than
the file's time; the orders of one day are spread evenly over it. Ctrl-C
or SIGTERM stops between two orders and prints the summary.
"""

import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from catalog.orderfile import OrderFileError, read_order_file
from orders.replay import orders_of, orders_replay


class Command(BaseCommand):
    help = "Replay a Superstore-format order file's orders as live demand."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the order file (CSV, UTF-8)")
        parser.add_argument(
            "--speed",
            type=float,
            default=86400.0,
            help="times faster than the file's time; 86400 is a file day a "
            "second (the default), 0 as fast as possible",
        )
        parser.add_argument(
            "--loop", action="store_true", help="start again at the end"
        )
        parser.add_argument("--limit", type=int, help="stop after this many orders")

    def handle(self, *args, **options):
        speed, limit = options["speed"], options["limit"]
        if speed < 0:
            raise CommandError("--speed must be 0 or more")
        if limit is not None and limit < 1:
            raise CommandError("--limit must be 1 or more")

        try:
            lines = read_order_file(options["file"])
        except OrderFileError as exc:
            raise CommandError(str(exc)) from None
        orders, unknown = orders_of(lines)
        if not orders:
            raise CommandError(
                f"none of the products of {options['file']} is in the shop; "
                "import it first (manage.py import_catalog FILE)"
            )
        if unknown:
            self.stderr.write(f"{unknown} lines skipped: product not in the shop")

        stop = threading.Event()
        with _stopping_on_signals(stop):
            tally = orders_replay(
                orders=orders,
                speed=speed,
                loop=options["loop"],
                limit=limit,
                stop=stop,
            )
        self.stdout.write(str(tally))


class _stopping_on_signals:
    """Set ``stop`` on Ctrl-C or SIGTERM, so that the replay ends between
    two orders; a second Ctrl-C interrupts at once."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop
        self.previous = {}

    def _handle(self, signum, frame) -> None:
        if self.stop.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.stop.set()

    def __enter__(self):
        # Handlers can only be set from the main thread; elsewhere (a test
        # runner's thread) the replay simply runs to its end.
        if threading.current_thread() is threading.main_thread():
            for signum in self.SIGNALS:
                self.previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc_info) -> None:
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)
