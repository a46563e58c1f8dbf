"""`make bench`: every figure beside its baseline, measured in one run."""

import os
import sys
import tempfile
import time
from pathlib import Path

import django

from .support import bench_database_url


def main() -> int:
    database_url = bench_database_url()
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "officeshop.settings")
    os.environ["LOG_LEVEL"] = "WARNING"
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from . import hot_sku

    hot = hot_sku.run(database_url)
    print(
        f"hot SKU holds/s through POST /api/v1/reservations "
        f"({hot_sku.CLIENTS} clients): {hot['api']:.0f}"
    )
    print(f"  baseline pgbench conditional UPDATE: {hot['pgbench']:.0f} tps")
    print(f"  ratio: {hot['api'] / hot['pgbench']:.3f}")
    print(f"  check: {hot['granted']} holds granted = units reserved")

    lines, seconds = import_rate()
    print(
        f"import_catalog: {lines} lines in {seconds:.2f} s "
        f"= {lines / seconds:.0f} lines/s"
    )
    return 0


def import_rate() -> tuple[int, float]:
    from django.core.management import call_command

    from .synthetic import write_orders

    given = os.environ.get("BENCH_DATA")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(given) if given else Path(tmp) / "orders.csv"
        if not given:
            write_orders(path, lines=10_000)
        with path.open(encoding="utf-8") as handle:
            lines = sum(1 for _ in handle) - 1
        started = time.perf_counter()
        call_command("import_catalog", str(path), stdout=open(os.devnull, "w"))
        return lines, time.perf_counter() - started


if __name__ == "__main__":
    sys.exit(main())
