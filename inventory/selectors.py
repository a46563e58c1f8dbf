"""Reads of stock figures, shaped as the availability API answers them."""

from collections.abc import Iterable

from django.db.models import Prefetch

from catalog.models import Sku

from . import availability, stockcache
from .errors import UnknownSku
from .models import StockLevel, Warehouse


def skus_with_levels(codes: Iterable[str] | None = None):
    """Return a SKU queryset whose levels (with warehouses) come in one
    more query, however many SKUs are read."""
    levels = StockLevel.objects.select_related("warehouse").order_by("warehouse__code")
    qs = Sku.objects.prefetch_related(Prefetch("levels", queryset=levels))
    if codes is not None:
        qs = qs.filter(code__in=list(codes))
    return qs


def level_entry(level: StockLevel) -> dict:
    return {
        "warehouse": level.warehouse.code,
        "available": availability.level_available(level),
        "on_hand": level.on_hand,
        "reserved": level.reserved,
        "committed": level.committed,
        "incoming": level.incoming,
        "restock_eta": level.restock_eta,
    }


def sku_availability(sku: Sku, *, home: Warehouse | None = None) -> dict:
    """Return the contract's availability object for a SKU whose levels
    were prefetched. The shopper's own warehouse is listed first."""
    levels = sorted(
        sku.levels.all(),
        key=lambda lv: (home is None or lv.warehouse_id != home.pk, lv.warehouse.code),
    )
    figures = availability.totals(levels, threshold=sku.low_stock_threshold)
    return {
        "sku": sku.code,
        "name": sku.name,
        "condition": sku.condition,
        "status": figures["status"],
        "available": figures["available"],
        "on_hand": figures["on_hand"],
        "reserved": figures["reserved"],
        "committed": figures["committed"],
        "incoming": figures["incoming"],
        "restock_eta": figures["restock_eta"],
        "sequence": sku.sequence,
        "warehouses": [level_entry(level) for level in levels],
    }


def availability_for(codes: list[str], *, home: Warehouse | None = None) -> list[dict]:
    """Return availability objects for the known SKUs among ``codes``, in
    the order asked: from the cache where it holds the SKU's newest
    sequence, else from the database in two queries."""
    answers = stockcache.cached_answers(codes)
    missing = [code for code in codes if code not in answers]
    if missing:
        fresh = [sku_availability(sku) for sku in skus_with_levels(missing)]
        stockcache.store_answers(fresh)
        answers.update((answer["sku"], answer) for answer in fresh)

    return [home_first(answers[code], home) for code in codes if code in answers]


def availability_of(code: str, *, home: Warehouse | None = None) -> dict:
    """Return one SKU's availability object; raise UnknownSku for a code
    that names none."""
    found = availability_for([code], home=home)
    if not found:
        raise UnknownSku(f"unknown SKU {code!r}")
    return found[0]


def home_first(answer: dict, home: Warehouse | None) -> dict:
    """Return ``answer`` with the shopper's own warehouse listed first."""
    if home is None:
        return answer
    warehouses = sorted(
        answer["warehouses"], key=lambda entry: entry["warehouse"] != home.code
    )
    return {**answer, "warehouses": warehouses}
