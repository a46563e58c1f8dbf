"""Opening stock for SKUs that are new in this transaction.

Import creates thousands of levels at once; locking and updating them one
by one would take minutes. New rows cannot be seen by any other
transaction until this one commits, so they need no lock: the levels, one
ledger row and one event per stocked level are written in bulk instead.
"""

from functools import partial

from django.db import transaction
from django.utils import timezone

from catalog.models import Sku

from . import availability, ledger
from .events import build_event
from .locks import require_transaction
from .models import LedgerEntry, Reason, StockEvent, StockLevel, Warehouse
from .publisher import events_committed


def levels_seed(
    *,
    skus: list[Sku],
    warehouses: list[Warehouse],
    on_hand: dict[tuple[int, int], int],
    actor: str,
    reason: str = Reason.IMPORT,
) -> list[StockLevel]:
    """Create every (SKU, warehouse) level of ``skus`` with its opening
    ``on_hand`` (keyed by sku pk and warehouse pk; absent means zero).

    Precondition: the SKUs were created in the caller's transaction and
    have no levels yet.
    """
    require_transaction()
    now = timezone.now()
    levels = [
        StockLevel(sku=sku, warehouse=wh, on_hand=on_hand.get((sku.pk, wh.pk), 0))
        for sku in skus
        for wh in warehouses
    ]
    openings = [
        _opening_entry(lv, reason=reason, actor=actor, moment=now)
        for lv in levels
        if lv.on_hand
    ]
    levels = StockLevel.objects.bulk_create(levels)
    LedgerEntry.objects.bulk_create(openings)

    by_sku: dict[int, list[StockLevel]] = {}
    for level in levels:
        by_sku.setdefault(level.sku_id, []).append(level)
    stocked = [lv for lv in levels if lv.on_hand]
    events, counts = _opening_events(stocked, by_sku, reason=reason)
    StockEvent.objects.bulk_create(events, batch_size=2000)
    transaction.on_commit(partial(events_committed, events))
    for sku in skus:
        if counts.get(sku.pk):
            sku.sequence += counts[sku.pk]
    Sku.objects.bulk_update(
        [s for s in skus if counts.get(s.pk)], ["sequence"], batch_size=2000
    )
    return levels


def _opening_entry(level, *, reason: str, actor: str, moment) -> LedgerEntry:
    """Return a new level's first ledger row, making its hash the level's
    head before the level is written."""
    entry = ledger.entry_new(
        level, reason=reason, created_at=moment, on_hand=level.on_hand, actor=actor
    )
    level.ledger_head = entry.hash
    return entry


def _opening_events(stocked, by_sku, *, reason: str):
    now = timezone.now()
    events, counts = [], {}
    for level in stocked:
        sku = level.sku
        counts[sku.pk] = counts.get(sku.pk, 0) + 1
        # The figures of the SKU once all its opening stock is in.
        figures = availability.totals(by_sku[sku.pk], threshold=sku.low_stock_threshold)
        events.append(
            build_event(
                sku=sku,
                warehouse_code=level.warehouse.code,
                change=availability.level_available(level),
                reason=reason,
                figures=figures,
                sequence=sku.sequence + counts[sku.pk],
                moment=now,
            )
        )
    return events, counts
