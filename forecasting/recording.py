"""Keep an imported file's order lines as demand history, once.

A line's key is a digest of its order, product, warehouse and how many lines
with those same three came before it in the file. Importing the file
again, or another file holding the same orders, finds every key taken
and adds nothing; identical lines within one order stay apart.
"""

import hashlib
import logging
from collections import Counter

from django.db import transaction

from catalog.models import Condition, Sku
from catalog.orderfile import SaleLine, normalize_name
from inventory.models import Warehouse

from .models import DemandLine

logger = logging.getLogger(__name__)

BATCH_SIZE = 2000


def line_keys(lines: list[SaleLine]) -> list[str]:
    """Return the key of each line, in the order given."""
    seen: Counter = Counter()
    keys = []
    for line in lines:
        # The warehouse code, not the region as written: a file spelling
        # "East" as "east" holds the same lines.
        identity = (
            line.order_id,
            line.product_id,
            line.product_name,
            line.warehouse_code,
        )
        seen[identity] += 1
        text = "\x1f".join([*identity, str(seen[identity])])
        keys.append(hashlib.sha256(text.encode()).hexdigest())
    return keys


def demand_record_import(*, lines: list[SaleLine]) -> int:
    """Record the file's lines as demand history; return how many were
    new. Precondition: the file's SKUs and warehouses exist (the import
    created them in the caller's transaction). A refresh of the
    forecasts is queued once the transaction commits."""
    sku_ids = {
        (pid, normalize_name(name)): pk
        for pid, name, pk in Sku.objects.filter(condition=Condition.NEW).values_list(
            "product_id", "name", "pk"
        )
    }
    warehouse_ids = dict(Warehouse.objects.values_list("code", "pk"))

    rows = [
        DemandLine(
            sku_id=sku_ids[line.product],
            warehouse_id=warehouse_ids[line.warehouse_code],
            day=line.order_date,
            quantity=line.quantity,
            key=key,
        )
        for line, key in zip(lines, line_keys(lines), strict=True)
    ]
    before = DemandLine.objects.count()
    DemandLine.objects.bulk_create(rows, batch_size=BATCH_SIZE, ignore_conflicts=True)
    added = DemandLine.objects.count() - before

    transaction.on_commit(_enqueue_refresh)
    logger.info("recorded %d new demand lines of %d", added, len(rows))
    return added


def _enqueue_refresh() -> None:
    from .tasks import forecasts_refresh

    try:
        forecasts_refresh.delay()
    except Exception:
        # The history is stored; the nightly refresh will use it.
        logger.exception("could not queue a forecast refresh")
