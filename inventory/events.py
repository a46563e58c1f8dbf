"""The ``inventory_updated`` event, built one way for every writer."""

import uuid
from datetime import datetime

from catalog.models import Sku

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
) -> StockEvent:
    """Return an unsaved event row; ``figures`` are the SKU's totals after
    the change, from ``availability.totals``."""
    event_id = uuid.uuid4()
    return StockEvent(
        event_id=event_id,
        sku=sku,
        sequence=sequence,
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
