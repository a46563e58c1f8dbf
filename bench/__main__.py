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
    # The servers started below inherit these, so this process publishes
    # on their channel layer and shares their cache, and a run never
    # reads what an earlier run of the same database name left in Redis.
    os.environ["CHANNEL_LAYER_PREFIX"] = f"bench-{os.getpid()}"
    os.environ["CACHE_KEY_PREFIX"] = f"bench-{os.getpid()}"
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

    try:
        complete = print_live(database_url)
        print_reads(database_url)
    finally:
        forget_cache()
    return 0 if complete else 1


def print_live(database_url: str) -> bool:
    """Print the live stream's latency; return whether nothing was lost."""
    from . import live

    found = live.run(database_url)
    print(
        f"live stock event, commit to socket ({found['sockets']} sockets over "
        f"{live.SKUS} SKUs, {found['events']} holds at {live.HOLDS_PER_SECOND}/s, "
        f"{live.WORKERS} uvicorn workers): median {found['median']:.1f} ms, "
        f"p99 {found['p99']:.1f} ms, max {found['max']:.1f} ms"
    )
    print(
        "  reference (FINDINGS, not this run): bare channels-redis group_send, "
        "500 sockets, no database: 3.7 ms median, 5.7 ms p99"
    )
    print(
        f"  check: {found['expected']} deliveries expected "
        f"({found['events']} events x their SKU's sockets), "
        f"{found['delivered']} received"
    )
    if found["others"]:
        print(f"  other messages: {found['others']}")
    missing = found["expected"] - found["delivered"]
    if found["sockets"] < live.SOCKETS:
        print(f"  FAILED: only {found['sockets']} of {live.SOCKETS} sockets opened")
    if missing:
        print(f"  FAILED: {missing} DELIVERIES NEVER ARRIVED")
    return not missing and found["sockets"] == live.SOCKETS


def print_reads(database_url: str) -> None:
    from . import reads

    found = reads.run(database_url)
    cached, uncached = found["cached"]["rate"], found["uncached"]["rate"]
    static = found["static"]["rate"]
    print(
        f"availability reads/s through GET /api/v1/skus/{{sku}}/availability "
        f"({reads.CLIENTS} clients, {reads.WORKERS} sync workers): "
        f"cached {cached:.0f}, uncached {uncached:.0f}"
    )
    print(f"  baseline static file from the same server: {static:.0f} reads/s")
    print(f"  ratio cached/static: {cached / static:.3f}")
    print(f"  ratio cached/uncached: {cached / uncached:.2f}")
    failed = {kind: f["failed"] for kind, f in found.items() if f["failed"]}
    if failed:
        print(f"  FAILED: answers other than 200: {failed}")


def forget_cache() -> None:
    """Drop this run's cache keys; the prefix keeps others' keys apart."""
    from django.core.cache import cache

    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")


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
