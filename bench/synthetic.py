"""Write a Superstore-format order file of any size, deterministically."""

import csv
import random
from datetime import date, timedelta
from pathlib import Path

from catalog.orderfile import SUPERSTORE_COLUMNS

COLUMNS = SUPERSTORE_COLUMNS
KINDS = [
    ("FUR", "Furniture", "Chairs", "Task Chair"),
    ("FUR", "Furniture", "Tables", "Meeting Table"),
    ("OFF", "Office Supplies", "Paper", "Copy Paper"),
    ("OFF", "Office Supplies", "Binders", "Ring Binder"),
    ("TEC", "Technology", "Machines", "Laser Printer"),
    ("TEC", "Technology", "Phones", "Desk Phone"),
]
REGIONS = ["East", "West", "Central", "South"]


def write_orders(path: Path, *, lines: int, products: int = 2000, seed: int = 7):
    """Write ``lines`` order lines over ``products`` products to ``path``."""
    rng = random.Random(seed)
    catalog = []
    for n in range(products):
        prefix, category, sub, noun = KINDS[n % len(KINDS)]
        catalog.append(
            (
                f"{prefix}-{sub[:2].upper()}-{20000000 + n}",
                category,
                sub,
                f"Bench {noun} model {n}",
                round(rng.uniform(3, 900), 2),
            )
        )
    start = date(2020, 1, 1)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for row in range(1, lines + 1):
            pid, category, sub, name, price = catalog[rng.randrange(products)]
            day = start + timedelta(days=rng.randrange(1000))
            quantity = rng.randint(1, 9)
            writer.writerow(
                [
                    row,
                    f"BN-{day.year}-{100000 + row // 3}",
                    _mdy(day),
                    _mdy(day + timedelta(days=3)),
                    "Standard Class",
                    f"CU-{row % 800:05d}",
                    f"Customer {row % 800:04d}",
                    "Consumer",
                    "United States",
                    "Springfield",
                    "Illinois",
                    "62701",
                    REGIONS[row % 4],
                    pid,
                    category,
                    sub,
                    name,
                    f"{price * quantity:.2f}",
                    quantity,
                    "0",
                    "1.0",
                ]
            )


def _mdy(day: date) -> str:
    return f"{day.month}/{day.day}/{day.year}"
