"""Recompute every stock figure from its sources and name each drift.

``on_hand`` and ``incoming`` are checked against the ledger; ``reserved``
against the ledger and the live hold lines; ``committed`` against the
ledger and the open order lines. The ledger itself is checked against its
hash chains (inventory.ledger), so figures that agree with a rewritten
ledger are not taken on trust.
"""

import logging
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F, Sum

from orders.models import OrderLine

from .ledger import ChainBreak, chain_breaks
from .models import LedgerEntry, ReservationLine, StockLevel

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Drift:
    level: str
    figure: str
    stored: int
    expected: int
    source: str

    @property
    def key(self) -> str:
        """Name the drift by what stays the same while trading goes on:
        sales move the stored and expected figures together."""
        gap = self.stored - self.expected
        return f"drift {self.level} {self.figure} {self.source} {gap:+d}"

    def __str__(self) -> str:
        return (
            f"{self.level}: {self.figure} is {self.stored}, "
            f"expected {self.expected} from {self.source}"
        )


def _sums(queryset, key: str, **figures) -> dict[int, dict]:
    rows = queryset.values(key).annotate(**{k: Sum(v) for k, v in figures.items()})
    return {row.pop(key): row for row in rows}


@dataclass(frozen=True)
class Reconciliation:
    drifts: list[Drift]
    breaks: list[ChainBreak]

    @property
    def problems(self) -> list[Drift | ChainBreak]:
        return [*self.drifts, *self.breaks]


def stock_reconcile() -> Reconciliation:
    """Return every drift and ledger break, read from one snapshot."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        found = Reconciliation(drifts=_find_drifts(), breaks=chain_breaks())

    if found.problems:
        logger.warning(
            "reconcile found %d drifts and %d ledger chain breaks",
            len(found.drifts),
            len(found.breaks),
        )
    return found


def _find_drifts() -> list[Drift]:
    ledger = _sums(
        LedgerEntry.objects.all(),
        "level_id",
        on_hand="on_hand_delta",
        reserved="reserved_delta",
        committed="committed_delta",
        incoming="incoming_delta",
        safety_stock="safety_stock_delta",
    )
    holds = _sums(ReservationLine.objects.filter(active=True), "level_id", n="quantity")
    open_lines = _sums(
        OrderLine.objects.all(),
        "level_id",
        n=F("quantity") - F("shipped") - F("cancelled"),
    )

    drifts = []
    levels = StockLevel.objects.select_related("sku", "warehouse").order_by("pk")
    for level in levels.iterator(chunk_size=2000):
        name = f"{level.sku.code}@{level.warehouse.code}"
        sums = ledger.get(level.pk, {})
        expected = {
            ("on_hand", "the ledger"): sums.get("on_hand") or 0,
            ("incoming", "the ledger"): sums.get("incoming") or 0,
            ("reserved", "the ledger"): sums.get("reserved") or 0,
            ("committed", "the ledger"): sums.get("committed") or 0,
            ("safety_stock", "the ledger"): sums.get("safety_stock") or 0,
            ("reserved", "live holds"): holds.get(level.pk, {}).get("n") or 0,
            ("committed", "open orders"): open_lines.get(level.pk, {}).get("n") or 0,
        }
        for (figure, source), value in expected.items():
            stored = getattr(level, figure)
            if stored != value:
                drifts.append(Drift(name, figure, stored, value, source))
    return drifts
