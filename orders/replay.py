"""Replay an order file's orders as live demand.

Each order goes through the services a shopper's checkout uses: a hold
for all its lines, the order, then its shipment, so stock keeps flowing.
An order the stock cannot cover is a lost sale, which is demand, not an
error.
"""

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django.db import OperationalError, close_old_connections

from catalog.importer import known_products
from catalog.orderfile import SaleLine
from inventory.errors import InsufficientStock, StockError
from inventory.models import Warehouse
from inventory.services import reservation_create

from .services import order_fulfil, order_place

logger = logging.getLogger(__name__)

ACTOR = "replay"
EMAIL = "replay@example.com"
DAY = 86400.0
LOG_EVERY = 100


@dataclass(frozen=True)
class FileOrder:
    """One order of the file, its products resolved to SKU codes."""

    order_id: str
    ship_to: str | None
    lines: list[tuple[str, int]]
    # File time: seconds from the file's first order day. Orders of one
    # day are spread evenly over it, so demand flows rather than bursts.
    moment: float


@dataclass
class ReplayTally:
    orders: int = 0
    placed: int = 0
    lines: int = 0
    units: int = 0
    lost: int = 0
    refused: int = 0
    failed: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        """Return the orders tried per second of wall time."""
        return self.orders / self.seconds if self.seconds > 0 else 0.0

    def __str__(self) -> str:
        return (
            f"replayed {self.orders} orders in {self.seconds:.1f} s "
            f"({self.rate:.1f} orders/s): {self.placed} placed "
            f"({self.lines} lines, {self.units} units), "
            f"{self.lost} lost sales, {self.refused} refused, {self.failed} failed"
        )


def orders_of(lines: list[SaleLine]) -> tuple[list[FileOrder], int]:
    """Return the file's orders in Order Date order (file order on a
    tie), and how many lines name a product the shop does not have."""
    codes = known_products()
    warehouses = set(Warehouse.objects.values_list("code", flat=True))
    groups = _by_order_date(lines)

    orders, unknown = [], 0
    for group, moment in zip(groups, _moments(groups), strict=True):
        known = [
            (codes[ln.product], ln.quantity) for ln in group if ln.product in codes
        ]
        unknown += len(group) - len(known)
        if not known:
            continue
        code = group[0].warehouse_code
        ship_to = code if code in warehouses else None
        orders.append(FileOrder(group[0].order_id, ship_to, known, moment))
    return orders, unknown


def _by_order_date(lines: list[SaleLine]) -> list[list[SaleLine]]:
    """Group the lines by Order ID, then sort the groups by date, stably.

    An Order ID is opaque (its year can differ from its date's); an order
    happens on the date of its first line.
    """
    grouped: dict[str, list[SaleLine]] = {}
    for line in lines:
        grouped.setdefault(line.order_id, []).append(line)
    return sorted(grouped.values(), key=lambda group: group[0].order_date)


def _moments(groups: list[list[SaleLine]]) -> list[float]:
    """Return each order's file time: its day, plus an even share of that
    day by its place among the day's orders."""
    days = [group[0].order_date for group in groups]
    per_day, seen = Counter(days), Counter()

    moments = []
    for day in days:
        moments.append(((day - days[0]).days + seen[day] / per_day[day]) * DAY)
        seen[day] += 1
    return moments


def orders_replay(
    *,
    orders: list[FileOrder],
    speed: float,
    loop: bool = False,
    limit: int | None = None,
    stop: threading.Event | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> ReplayTally:
    """Replay ``orders``, ``speed`` times faster than the file's own time
    (0: as fast as possible); return what happened.

    Stop after ``limit`` orders, at the end unless ``loop``, or as soon as
    ``stop`` is set: never in the middle of an order.
    """
    stop = stop or threading.Event()
    tally, began = ReplayTally(), clock()
    try:
        while orders:
            if _replay_round(orders, speed, limit, stop, clock, tally):
                break
            if not loop:
                break
    finally:
        tally.seconds = clock() - began
    logger.info("%s", tally)
    return tally


def _replay_round(orders, speed, limit, stop, clock, tally) -> bool:
    """Replay the orders once; return whether to stop altogether."""
    started = clock()
    for order in orders:
        if stop.is_set() or (limit is not None and tally.orders >= limit):
            return True
        if speed > 0:
            delay = started + order.moment / speed - clock()
            if delay > 0 and stop.wait(delay):
                return True

        order_replay(order, tally)
        if tally.orders % LOG_EVERY == 0:
            logger.info(
                "replayed %d orders: %d placed, %d lost sales",
                tally.orders,
                tally.placed,
                tally.lost,
            )
    return False


def order_replay(order: FileOrder, tally: ReplayTally) -> None:
    """Hold, place and ship one order, counting what came of it.

    A refusal or a database hiccup (SQLite busy beyond its timeout, a
    dropped connection) costs that one order, never the whole replay.
    """
    tally.orders += 1
    extra = {"file_order": order.order_id}
    try:
        _order_through(order)
    except InsufficientStock as exc:
        tally.lost += 1
        logger.info("lost sale: order %s: %s", order.order_id, exc.extra, extra=extra)
        return
    except StockError as exc:
        tally.refused += 1
        logger.warning("order %s refused: %s", order.order_id, exc, extra=extra)
        return
    except OperationalError as exc:
        tally.failed += 1
        logger.warning("order %s failed: %s", order.order_id, exc, extra=extra)
        # A connection the error left broken is dropped; the next order
        # opens a new one.
        close_old_connections()
        return

    tally.placed += 1
    tally.lines += len(order.lines)
    tally.units += sum(quantity for _, quantity in order.lines)


def _order_through(order: FileOrder) -> None:
    hold = reservation_create(lines=order.lines, ship_to=order.ship_to, actor=ACTOR)
    placed = order_place(reservation_id=hold.pk, email=EMAIL, actor=ACTOR)
    order_fulfil(order_id=placed.pk, actor=ACTOR)
