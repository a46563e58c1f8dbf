"""The catalog the benchmarks stand on: imported, then its orders replayed.

The file is BENCH_CATALOG when set, else the shared Superstore file
when this machine has it, else a synthetic file of the same shape
(6,682 lines over about 1,840 products). Both commands run in this
process, on the bench database, as an operator would run them.
"""

import io
import os
import re
import time
from pathlib import Path

from django.core.management import call_command

from .synthetic import write_orders

SHARED = Path("/work/shared/data/superstore_orders_2014_2016.csv")
SYNTHETIC_LINES = 6_682
SYNTHETIC_PRODUCTS = 1_900


def catalog_file(scratch: Path) -> Path:
    """Return the file to import, writing the synthetic one into
    ``scratch`` when there is no other."""
    given = os.environ.get("BENCH_CATALOG")
    if given:
        return Path(given)
    if SHARED.is_file():
        return SHARED

    path = scratch / "orders.csv"
    write_orders(path, lines=SYNTHETIC_LINES, products=SYNTHETIC_PRODUCTS)
    return path


def import_rate(path: Path) -> dict:
    """Run ``import_catalog``; return its lines and seconds."""
    with path.open(encoding="utf-8") as handle:
        lines = sum(1 for _ in handle) - 1

    out = io.StringIO()
    started = time.perf_counter()
    call_command("import_catalog", str(path), stdout=out)
    seconds = time.perf_counter() - started
    return {"lines": lines, "seconds": seconds, "summary": out.getvalue().strip()}


def replay_rate(path: Path) -> dict:
    """Run ``replay_orders --speed 0``; return its orders and seconds,
    the file's reading included, and the command's own summary."""
    out = io.StringIO()
    started = time.perf_counter()
    call_command("replay_orders", str(path), "--speed", "0", stdout=out)
    seconds = time.perf_counter() - started

    summary = out.getvalue().strip()
    orders = int(re.search(r"replayed (\d+) orders", summary).group(1))
    return {"orders": orders, "seconds": seconds, "summary": summary}
