"""Load a Superstore-format order file as the shop's catalog and stock.

A product is the pair (Product ID, normalized name). Products already in
the shop are left alone; new ones become a SKU and its refurbished twin,
with opening stock in every warehouse, all written in one transaction
after the whole file was checked. Importing a file twice changes nothing.
Every order line is kept as demand history for the forecasts, once.

The rules that turn the file's sales into a shop (each is deterministic):

- list price: Sales / Quantity / (1 - Discount) to the cent, the value
  most lines agree on; the twin sells at 70 % of it, to the cent;
- opening on hand in a region's warehouse: a year of that region's
  average daily sales of the product, rounded up, and at least 4; zero
  where the region never bought it; twins start empty;
- low-stock threshold: 30 days of the product's average daily sales over
  all regions, rounded up, and at least 4;
- a day's average is taken over the file's span from its first order date
  to its last, or over 365 days for a file shorter than that, so that a
  few days of orders do not stock a year of that rush.
"""

import logging
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction

from forecasting.recording import demand_record_import
from inventory.models import StockLevel, Warehouse
from inventory.seeding import levels_seed

from .models import Condition, Sku
from .orderfile import CENT, SaleLine, normalize_name, read_order_file

logger = logging.getLogger(__name__)

ACTOR = "import"
COVER_DAYS = 365
OPENING_FLOOR = 4
THRESHOLD_DAYS = 30
THRESHOLD_FLOOR = 4
MIN_SPAN_DAYS = 365
TWIN_PRICE_SHARE = Decimal("0.70")
TWIN_SUFFIX = "-R"
BATCH_SIZE = 2000
# Any constant the shop's other advisory locks do not use.
IMPORT_LOCK_KEY = 7_301_003


@dataclass
class Product:
    """A product of the file and what its lines say about it."""

    product_id: str
    name: str
    category: str
    sub_category: str
    prices: Counter = field(default_factory=Counter)
    # Units sold, by warehouse code.
    units: Counter = field(default_factory=Counter)

    @property
    def list_price(self) -> Decimal:
        """Return the unit price most lines agree on (the first on a tie)."""
        return self.prices.most_common(1)[0][0]

    @property
    def twin_price(self) -> Decimal:
        share = self.list_price * TWIN_PRICE_SHARE
        return share.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ImportResult:
    lines: int
    new_products: int
    new_warehouses: int


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def opening_on_hand(units: int, *, span_days: int) -> int:
    """Return a warehouse's opening units of a product it sold ``units``
    of over ``span_days``: a year of those sales, at least 4."""
    if units <= 0:
        return 0
    return max(OPENING_FLOOR, _ceil_div(units * COVER_DAYS, span_days))


def low_stock_threshold(units: int, *, span_days: int) -> int:
    """Return a SKU's threshold: 30 days of its sales, at least 4."""
    return max(THRESHOLD_FLOOR, _ceil_div(units * THRESHOLD_DAYS, span_days))


def span_of(lines: list[SaleLine]) -> int:
    """Return the days over which the file's sales are averaged."""
    dates = [line.order_date for line in lines]
    return max(MIN_SPAN_DAYS, (max(dates) - min(dates)).days + 1)


def products_of(lines: list[SaleLine]) -> dict[tuple[str, str], Product]:
    """Return the file's products by key, in the order first met."""
    products: dict[tuple[str, str], Product] = OrderedDict()
    for line in lines:
        product = products.get(line.product)
        if product is None:
            product = products[line.product] = Product(
                product_id=line.product_id,
                name=line.product_name,
                category=line.category,
                sub_category=line.sub_category,
            )
        product.prices[line.unit_price] += 1
        product.units[line.warehouse_code] += line.quantity
    return products


def regions_of(lines: list[SaleLine]) -> dict[str, str]:
    """Return each region's name by warehouse code, in the order met."""
    regions: dict[str, str] = {}
    for line in lines:
        regions.setdefault(line.warehouse_code, line.region)
    return regions


def known_products() -> dict[tuple[str, str], str]:
    """Return the code of every new-condition SKU by product key."""
    rows = Sku.objects.filter(condition=Condition.NEW).values_list(
        "product_id", "name", "code"
    )
    return {(pid, normalize_name(name)): code for pid, name, code in rows}


def free_code(product_id: str, taken: set[str]) -> str:
    """Return the first of ``product_id``, ``-2``, ``-3``... that is free
    for the SKU and for its twin."""
    code, suffix = product_id, 1
    while code in taken or f"{code}{TWIN_SUFFIX}" in taken:
        suffix += 1
        code = f"{product_id}-{suffix}"
    return code


def catalog_import(*, path, actor: str = ACTOR, progress=None) -> ImportResult:
    """Add the file's new products and regions to the shop.

    The file is read and checked whole first (OrderFileError names the
    first bad line); then everything is written in one transaction, so a
    failure leaves the shop as it was.
    """
    lines = read_order_file(path, progress=progress)
    products = products_of(lines)
    span_days = span_of(lines)

    with transaction.atomic(durable=True):
        # Imports take turns: each decides which products and regions are
        # new from what the one before it committed, so two at once never
        # create the same SKU twice or fail on its code.
        _take_turns()
        warehouses, new_warehouses = _warehouses_ensure(regions_of(lines))
        known = known_products()
        fresh = [p for key, p in products.items() if key not in known]
        skus = _skus_create(fresh, span_days=span_days)
        opening = _opening(skus, warehouses, span_days=span_days)
        levels_seed(
            skus=[s for pair in skus for s in pair],
            warehouses=warehouses,
            on_hand=opening,
            actor=actor,
        )
        demand_record_import(lines=lines)

    result = ImportResult(len(lines), len(fresh), len(new_warehouses))
    logger.info(
        "imported %s: %d lines, %d new products, %d new warehouses",
        path,
        result.lines,
        result.new_products,
        result.new_warehouses,
    )
    return result


def _take_turns() -> None:
    # SQLite takes its write lock when the transaction begins; PostgreSQL
    # needs a lock that imports, and only they, contend for.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK_KEY])


def _warehouses_ensure(regions: dict[str, str]):
    """Return every warehouse, and those created for the file's new
    regions, which get an empty level for each SKU already in the shop."""
    existing = set(Warehouse.objects.values_list("code", flat=True))
    created = Warehouse.objects.bulk_create(
        Warehouse(code=code, name=name)
        for code, name in regions.items()
        if code not in existing
    )

    if created:
        sku_ids = list(Sku.objects.values_list("pk", flat=True))
        StockLevel.objects.bulk_create(
            (StockLevel(sku_id=pk, warehouse=wh) for pk in sku_ids for wh in created),
            batch_size=BATCH_SIZE,
        )
    return list(Warehouse.objects.order_by("code")), created


def _skus_create(products: list[Product], *, span_days: int):
    """Create each product's SKU and twin; return (SKU, twin) pairs."""
    taken = set(Sku.objects.values_list("code", flat=True))
    codes = []
    for product in products:
        code = free_code(product.product_id, taken)
        taken.update({code, f"{code}{TWIN_SUFFIX}"})
        codes.append(code)

    twins = Sku.objects.bulk_create(
        (
            _sku(p, f"{code}{TWIN_SUFFIX}", span_days=span_days, twin=None)
            for p, code in zip(products, codes, strict=True)
        ),
        batch_size=BATCH_SIZE,
    )
    originals = Sku.objects.bulk_create(
        (
            _sku(p, code, span_days=span_days, twin=twin)
            for p, code, twin in zip(products, codes, twins, strict=True)
        ),
        batch_size=BATCH_SIZE,
    )
    for sku, product in zip(originals, products, strict=True):
        sku.units_sold = product.units
    return list(zip(originals, twins, strict=True))


def _sku(product: Product, code: str, *, span_days: int, twin) -> Sku:
    """Return an unsaved SKU: the twin when ``twin`` is None."""
    threshold = low_stock_threshold(sum(product.units.values()), span_days=span_days)
    is_twin = twin is None
    return Sku(
        code=code,
        name=_twin_name(product.name) if is_twin else product.name,
        product_id=product.product_id,
        condition=Condition.REFURBISHED if is_twin else Condition.NEW,
        twin=twin,
        category=product.category,
        sub_category=product.sub_category,
        list_price=product.twin_price if is_twin else product.list_price,
        low_stock_threshold=threshold,
    )


def _twin_name(name: str) -> str:
    suffix = " (refurbished)"
    return name[: 300 - len(suffix)] + suffix


def _opening(skus, warehouses, *, span_days: int) -> dict[tuple[int, int], int]:
    """Return the opening units of each new SKU (not twin) by warehouse."""
    opening = {}
    for sku, _ in skus:
        for wh in warehouses:
            units = opening_on_hand(sku.units_sold[wh.code], span_days=span_days)
            if units:
                opening[(sku.pk, wh.pk)] = units
    return opening
