"""Put stock back where demand emptied it, so the demo never runs dry.

This is no purchasing system: units simply arrive, through the receipt
service a clerk uses, and are ledgered with the reason ``restock``. The
beat job that calls it runs only when AUTO_RESTOCK is set.
"""

import logging

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Value
from django.db.models.functions import Greatest

from catalog.models import Condition

from .availability import level_available
from .locks import lock_skus
from .models import LedgerEntry, Reason, StockLevel, Warehouse
from .services import MAX_QUANTITY, stock_receive

logger = logging.getLogger(__name__)

ACTOR = "restock"
BATCH_SIZE = 200
# A restocked level is filled to this many times its SKU's threshold.
TOP_UP_MULTIPLE = 2


def level_share(threshold: int, *, warehouses: int) -> int:
    """Return one warehouse's share of a SKU's low-stock threshold: the
    threshold over the warehouses, rounded up, and at least 1."""
    return max(1, -(-threshold // max(1, warehouses)))


def levels_to_replenish(*, batch_size: int = BATCH_SIZE) -> list[int]:
    """Return the pks of at most ``batch_size`` levels to restock,
    emptiest first.

    A level qualifies when its SKU is new-condition, its available units
    are below its share of the SKU's threshold, it once held stock (a
    warehouse whose region never sold the product stays empty), and no
    stock is already on its way to it.
    """
    warehouses = max(1, Warehouse.objects.count())
    free = F("on_hand") - F("reserved") - F("committed") - F("safety_stock")
    share = Greatest(
        Value(1),
        (F("sku__low_stock_threshold") + Value(warehouses - 1)) / Value(warehouses),
    )
    once_stocked = Exists(
        LedgerEntry.objects.filter(level=OuterRef("pk"), on_hand_delta__gt=0)
    )
    levels = (
        StockLevel.objects.filter(sku__condition=Condition.NEW, incoming=0)
        .alias(free=free, share=share)
        .filter(free__lt=F("share"))
        .filter(once_stocked)
        .order_by("free", "pk")
    )
    return list(levels.values_list("pk", flat=True)[:batch_size])


def stock_replenish_empty(
    *,
    actor: str = ACTOR,
    batch_size: int = BATCH_SIZE,
    multiple: int = TOP_UP_MULTIPLE,
) -> int:
    """Fill each level of ``levels_to_replenish`` up to ``multiple`` times
    its SKU's threshold available; return the units received.

    One transaction per level. Each level is checked again under its
    SKU's lock before anything is received, so two runs at once, or a run
    racing a receipt, never fill a level twice.
    """
    warehouses = Warehouse.objects.count()
    pks = levels_to_replenish(batch_size=batch_size)

    received = filled = 0
    for pk in pks:
        units = _level_replenish(
            pk, warehouses=warehouses, multiple=multiple, actor=actor
        )
        received += units
        filled += bool(units)

    if filled:
        logger.info("restocked %d units over %d levels", received, filled)
    return received


def _level_replenish(pk: int, *, warehouses: int, multiple: int, actor: str) -> int:
    with transaction.atomic(durable=True):
        sku_id = StockLevel.objects.values_list("sku_id", flat=True).get(pk=pk)
        sku = lock_skus([sku_id])[sku_id]
        level = next(lv for lv in sku.locked_levels if lv.pk == pk)

        threshold = sku.low_stock_threshold
        available = level_available(level)
        if level.incoming or available >= level_share(threshold, warehouses=warehouses):
            return 0

        target = max(1, multiple * threshold)
        units = min(MAX_QUANTITY, target - available)
        stock_receive(level_pk=pk, quantity=units, actor=actor, reason=Reason.RESTOCK)
    return units
