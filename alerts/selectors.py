"""Reads the alerts decide from: SKU figures and who hears of them."""

from collections.abc import Iterable
from dataclasses import dataclass

from catalog.models import Sku
from inventory import availability
from inventory.models import StockLevel
from inventory.roles import CLERKS, MANAGERS, staff_emails


@dataclass
class SkuFigures:
    """A SKU with its levels and their totals, read in one statement."""

    sku: Sku
    levels: list[StockLevel]
    totals: dict

    @property
    def status(self) -> str:
        return self.totals["status"]

    @property
    def available(self) -> int:
        return self.totals["available"]


def sku_figures(sku_ids: Iterable[int]) -> dict[int, SkuFigures]:
    """Return the figures of each SKU named, by pk.

    The SKU rows (with their ``sequence``) come joined to their levels in
    one query, so a SKU's sequence always matches the figures beside it.
    """
    levels = (
        StockLevel.objects.filter(sku_id__in=list(sku_ids))
        .select_related("sku", "warehouse")
        .order_by("sku_id", "warehouse__code")
    )
    grouped: dict[int, list[StockLevel]] = {}
    for level in levels:
        grouped.setdefault(level.sku_id, []).append(level)

    return {
        sku_id: SkuFigures(
            sku=found[0].sku,
            levels=found,
            totals=availability.totals(
                found, threshold=found[0].sku.low_stock_threshold
            ),
        )
        for sku_id, found in grouped.items()
    }


def stock_room_emails() -> list[str]:
    """Return the addresses of every active clerk and manager, once each."""
    return sorted(set(staff_emails(CLERKS)) | set(staff_emails(MANAGERS)))
