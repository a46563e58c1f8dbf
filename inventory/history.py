"""Reads behind the live socket: which changes a client missed, or the
snapshot that stands in for them once they are no longer kept."""

from catalog.models import Sku

from .models import StockEvent
from .selectors import sku_availability, skus_with_levels

# A client further behind than this gets a snapshot rather than a flood.
MAX_REPLAY = 500


def sku_ids_for_codes(codes: list[str]) -> dict[str, int]:
    """Return the pk of each known SKU code among ``codes``."""
    return dict(Sku.objects.filter(code__in=codes).values_list("code", "pk"))


def current_sequences(sku_ids: list[int]) -> dict[int, int]:
    return dict(Sku.objects.filter(pk__in=sku_ids).values_list("pk", "sequence"))


def snapshot(sku_id: int) -> dict:
    """Return the contract's inventory_snapshot message for a SKU.

    The SKU row (and so ``sequence``) is read before its levels, so the
    figures are never older than the sequence they are sent with.
    """
    sku = skus_with_levels().get(pk=sku_id)
    answer = sku_availability(sku)
    return {
        "event_type": "inventory_snapshot",
        "sku_id": answer["sku"],
        "available": answer["available"],
        "status": answer["status"],
        "sequence": answer["sequence"],
        "warehouses": answer["warehouses"],
    }


def catch_up(sku_id: int, *, after: int) -> list[dict]:
    """Return what a client that saw ``after`` needs to be current.

    Either every later event in order, or, when some of them are no longer
    kept (or the client claims a sequence the shop never reached), one
    snapshot. An empty list means the client is current.
    """
    current = Sku.objects.values_list("sequence", flat=True).get(pk=sku_id)
    if after == current:
        return []
    if after > current or current - after > MAX_REPLAY:
        return [snapshot(sku_id)]

    payloads = list(
        StockEvent.objects.filter(sku_id=sku_id, sequence__gt=after)
        .order_by("sequence")
        .values_list("payload", flat=True)[:MAX_REPLAY]
    )
    expected = list(range(after + 1, after + 1 + len(payloads)))
    complete = [p["sequence"] for p in payloads] == expected
    if not payloads or not complete or expected[-1] < current:
        return [snapshot(sku_id)]
    return payloads
