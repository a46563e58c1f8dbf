"""The stock room's tables, one module per concern; all imported here so
Django finds them and callers import from ``inventory.models``."""

from .alerts import DriftAlert
from .purchasing import PurchaseOrder, PurchaseOrderLine, RestockSuggestion
from .stock import (
    IdempotencyRecord,
    LedgerEntry,
    Reason,
    Reservation,
    ReservationLine,
    StockEvent,
    StockLevel,
    Warehouse,
    actor_label,
)

__all__ = [
    "DriftAlert",
    "IdempotencyRecord",
    "LedgerEntry",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "Reason",
    "Reservation",
    "ReservationLine",
    "RestockSuggestion",
    "StockEvent",
    "StockLevel",
    "Warehouse",
    "actor_label",
]
