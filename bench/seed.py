"""Data the benchmarks start from, written through the shop's own code."""

from decimal import Decimal

from django.db import transaction

from catalog.models import Condition, Sku
from inventory.models import Warehouse
from inventory.seeding import levels_seed


def seed_hot_sku(*, code: str, on_hand: int) -> Sku:
    """Create one SKU with ``on_hand`` units in EAST, zero elsewhere."""
    with transaction.atomic():
        warehouses = [
            Warehouse.objects.get_or_create(code=c, defaults={"name": c.title()})[0]
            for c in ("CENTRAL", "EAST", "SOUTH", "WEST")
        ]
        twin = Sku.objects.create(
            code=f"{code}-R",
            name=f"{code} (refurbished)",
            product_id=code,
            condition=Condition.REFURBISHED,
            category="Technology",
            sub_category="Machines",
            list_price=Decimal("70.00"),
        )
        sku = Sku.objects.create(
            code=code,
            name=code,
            product_id=code,
            twin=twin,
            category="Technology",
            sub_category="Machines",
            list_price=Decimal("100.00"),
        )
        east = next(w for w in warehouses if w.code == "EAST")
        levels_seed(
            skus=[sku, twin],
            warehouses=warehouses,
            on_hand={(sku.pk, east.pk): on_hand},
            actor="bench",
        )
    return sku
