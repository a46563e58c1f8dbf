"""Every row lock taken on stock, in the one order all services share.

Order: SKU rows by pk, then their stock levels by pk, then holds and
orders. A transaction that follows it can wait but never deadlock with
another that does.
"""

import functools
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from catalog.models import Sku

from .errors import TransactionRequired
from .models import ReservationLine, StockLevel, Warehouse


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
    if connection.vendor == "postgresql":
        levels = _locked_levels_sql(ids)
    else:
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


def _locked_levels_sql(ids: list[int]) -> list[StockLevel]:
    """The locking read on PostgreSQL, written out: the ORM takes longer to
    build this query than the database takes to answer it, and every hold
    runs it."""
    if not ids:
        return []
    level_cols, sku_cols, house_cols = _columns()
    keys = ", ".join(["%s"] * len(ids))
    lines, levels_table, skus, houses = (
        model._meta.db_table for model in (ReservationLine, StockLevel, Sku, Warehouse)
    )
    sql = (
        f"SELECT {level_cols}, {sku_cols}, {house_cols}, EXISTS ("
        f"SELECT 1 FROM {lines} r WHERE r.level_id = l.id "
        "AND r.active AND r.expires_at <= %s) "
        f"FROM {levels_table} l "
        f"JOIN {skus} s ON s.id = l.sku_id "
        f"JOIN {houses} w ON w.id = l.warehouse_id "
        f"WHERE l.sku_id IN ({keys}) ORDER BY l.sku_id, l.id FOR UPDATE OF l, s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [timezone.now(), *ids])
        rows = cursor.fetchall()

    level_names, sku_names, house_names = _names()
    cut_sku = len(level_names)
    cut_house = cut_sku + len(sku_names)
    levels = []
    for row in rows:
        level = StockLevel.from_db("default", level_names, row[:cut_sku])
        level.sku = Sku.from_db("default", sku_names, row[cut_sku:cut_house])
        level.warehouse = Warehouse.from_db("default", house_names, row[cut_house:-1])
        level.has_lapsed = row[-1]
        levels.append(level)
    return levels


@functools.cache
def _names() -> tuple[list[str], list[str], list[str]]:
    return tuple(
        [field.attname for field in model._meta.concrete_fields]
        for model in (StockLevel, Sku, Warehouse)
    )


@functools.cache
def _columns() -> tuple[str, str, str]:
    return tuple(
        ", ".join(f'{alias}."{field.column}"' for field in model._meta.concrete_fields)
        for alias, model in (("l", StockLevel), ("s", Sku), ("w", Warehouse))
    )
