"""Every row lock taken on stock, in the one order all services share.

Order: SKU rows by pk, then their stock levels by pk, then holds and
orders. A transaction that follows it can wait but never deadlock with
another that does.
"""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from catalog.models import Sku

from .errors import TransactionRequired
from .models import ReservationLine, StockLevel


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
    of that SKU as read under the lock. Each level also says, as
    ``has_lapsed``, whether a hold on it has passed its expiry.

    One statement takes every lock: the levels joined to their SKUs in
    (SKU, level) order, each SKU row locked with its first level. Every
    writer locks a SKU before any of its levels, so SKU rows are the gate
    and this order cannot deadlock against another writer's.
    """
    require_transaction()
    ids = sorted(set(sku_ids))
    lapsed = ReservationLine.objects.filter(
        level=OuterRef("pk"), active=True, expires_at__lte=timezone.now()
    )
    levels = (
        StockLevel.objects.select_for_update(of=("self", "sku"))
        .filter(sku_id__in=ids)
        .select_related("sku", "warehouse")
        .annotate(has_lapsed=Exists(lapsed))
        .order_by("sku_id", "pk")
    )

    skus: dict[int, Sku] = {}
    for level in levels:
        sku = skus.get(level.sku_id)
        if sku is None:
            sku = skus[level.sku_id] = level.sku
            sku.locked_levels = []
        level.sku = sku
        sku.locked_levels.append(level)

    # A SKU with no stock levels yet (nothing to change but its settings)
    # is locked after the others. Limitation: out of pk order, which could
    # only matter to two writers each locking such a SKU together with
    # another; none of the shop's writers does.
    bare = [pk for pk in ids if pk not in skus]
    if bare:
        for sku in (
            Sku.objects.select_for_update(of=("self",))
            .filter(pk__in=bare)
            .order_by("pk")
        ):
            sku.locked_levels = []
            skus[sku.pk] = sku
    return dict(sorted(skus.items()))
