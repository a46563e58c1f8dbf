"""Every row lock taken on stock, in the one order all services share.

Order: SKU rows by pk, then their stock levels by pk, then holds and
orders. A transaction that follows it can wait but never deadlock with
another that does.
"""

from collections.abc import Iterable

from django.db import transaction

from catalog.models import Sku

from .errors import TransactionRequired
from .models import StockLevel


def require_transaction() -> None:
    """Fail loudly when the caller holds no transaction.

    Row locks taken outside one are released at once, so a service run in
    autocommit mode would check and change stock without any protection.
    """
    if not transaction.get_connection().in_atomic_block:
        raise TransactionRequired("stock services must run inside transaction.atomic()")


def lock_skus(sku_ids: Iterable[int]) -> dict[int, Sku]:
    """Lock the SKU rows, then all their stock levels, in pk order.

    Return the SKUs by pk, each with ``locked_levels`` holding every level
    of that SKU as read under the lock.
    """
    require_transaction()
    ids = sorted(set(sku_ids))
    skus = {
        sku.pk: sku
        for sku in Sku.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .order_by("pk")
    }
    for sku in skus.values():
        sku.locked_levels = []

    levels = (
        StockLevel.objects.select_for_update(of=("self",))
        .filter(sku_id__in=ids)
        .select_related("warehouse")
        .order_by("pk")
    )
    for level in levels:
        level.sku = skus[level.sku_id]
        skus[level.sku_id].locked_levels.append(level)
    return skus
