"""How ``available`` and ``status`` are computed: here and nowhere else."""

from collections.abc import Iterable
from datetime import date
from typing import Protocol


class Figures(Protocol):
    on_hand: int
    reserved: int
    committed: int
    safety_stock: int
    incoming: int
    restock_eta: date | None


IN_STOCK = "in_stock"
LOW_STOCK = "low_stock"
OUT_OF_STOCK = "out_of_stock"
RESTOCKING = "restocking"

STATUS_WORDS = {
    IN_STOCK: "In stock",
    LOW_STOCK: "Low stock: only a few left",
    OUT_OF_STOCK: "Out of stock",
    RESTOCKING: "Out of stock, more on the way",
}


def level_available(level: Figures) -> int:
    """Return the units of one level that may still be sold online."""
    free = level.on_hand - level.reserved - level.committed - level.safety_stock
    return max(0, free)


def earliest_eta(levels: Iterable[Figures]) -> date | None:
    """Return the first restock date among levels with stock incoming."""
    dates = [lv.restock_eta for lv in levels if lv.incoming > 0 and lv.restock_eta]
    return min(dates, default=None)


def sku_status(*, available: int, incoming: int, threshold: int) -> str:
    """Return the contract's status for a SKU's summed figures."""
    if available > threshold:
        return IN_STOCK
    if available > 0:
        return LOW_STOCK
    if incoming > 0:
        return RESTOCKING
    return OUT_OF_STOCK


def totals(levels: Iterable[Figures], *, threshold: int) -> dict:
    """Return a SKU's summed figures and status over ``levels``."""
    levels = list(levels)
    available = sum(level_available(lv) for lv in levels)
    incoming = sum(lv.incoming for lv in levels)
    return {
        "status": sku_status(
            available=available, incoming=incoming, threshold=threshold
        ),
        "available": available,
        "on_hand": sum(lv.on_hand for lv in levels),
        "reserved": sum(lv.reserved for lv in levels),
        "committed": sum(lv.committed for lv in levels),
        "incoming": incoming,
        "restock_eta": earliest_eta(levels),
    }
