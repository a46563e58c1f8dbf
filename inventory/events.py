"""The ``inventory_updated`` event, built one way for every writer."""

import uuid
from datetime import datetime

from catalog.models import Sku

from .availability import IN_STOCK, LOW_STOCK
from .models import StockEvent


def timestamp(moment: datetime) -> str:
    """Return the contract's UTC timestamp, to the millisecond."""
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def build_event(
    *,
    sku: Sku,
    warehouse_code: str,
    change: int,
    reason: str,
    figures: dict,
    sequence: int,
    moment: datetime,
    kind: str = StockEvent.Kind.INVENTORY_UPDATED,
) -> StockEvent:
    """Return an unsaved event row; ``figures`` are the SKU's totals after
    the change, from ``availability.totals``."""
    event_id = uuid.uuid4()
    return StockEvent(
        event_id=event_id,
        sku=sku,
        sequence=sequence,
        kind=kind,
        payload={
            "event_type": "inventory_updated",
            "event_id": str(event_id),
            "sku_id": sku.code,
            "warehouse_id": warehouse_code,
            "change": change,
            "reason": reason,
            "available": figures["available"],
            "status": figures["status"],
            "sequence": sequence,
            "timestamp": timestamp(moment),
        },
    )


def event_kind(*, before: dict, after: dict) -> str:
    """Return what a change did to a SKU, from its figures before and after.

    Crossing zero either way is what endpoints care about most, so it
    wins over a move into ``low_stock``; anything else is a plain update.
    """
    if before["available"] > 0 >= after["available"]:
        return StockEvent.Kind.OUT_OF_STOCK
    if before["available"] <= 0 < after["available"]:
        return StockEvent.Kind.BACK_IN_STOCK
    if after["status"] == LOW_STOCK and before["status"] == IN_STOCK:
        return StockEvent.Kind.LOW_STOCK
    return StockEvent.Kind.INVENTORY_UPDATED
