"""`make bench`: every figure beside its baseline, measured in one run."""

import os
import sys
import tempfile
from pathlib import Path

import django

from .support import bench_database_url

# The shop server's sync workers, for the catalog pages and the holds.
SHOP_WORKERS = 4


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

    try:
        with tempfile.TemporaryDirectory() as scratch:
            print_import_and_replay(Path(scratch))
            if not os.environ.get("BENCH_SKIP_FORECAST"):
                print_forecast(Path(scratch))
        complete = print_shop_server(database_url)
        complete &= print_hot_sku_asgi(database_url)
        complete &= print_live(database_url)
        print_reads(database_url)
    finally:
        forget_cache()
    return 0 if complete else 1


def print_import_and_replay(scratch: Path) -> None:
    from . import importing

    path = importing.catalog_file(scratch)
    print(f"catalog file: {path}")
    found = importing.import_rate(path)
    print(
        f"import_catalog: {found['lines']} lines in {found['seconds']:.2f} s "
        f"= {found['lines'] / found['seconds']:.0f} lines/s ({found['summary']})"
    )
    found = importing.replay_rate(path)
    print(
        f"replay_orders --speed 0: {found['orders']} orders in "
        f"{found['seconds']:.1f} s = {found['orders'] / found['seconds']:.1f} "
        "orders/s"
    )
    print(f"  {found['summary']}")


def print_forecast(scratch: Path) -> None:
    from . import forecast, importing

    forecast.print_forecast(importing.catalog_file(scratch))


def print_shop_server(database_url: str) -> bool:
    """Print the figures taken on one shop server: catalog pages, hot
    SKU and spread holds, and its workers' memory before and after them;
    return whether every answer was as expected."""
    from . import memory
    from .support import http_server

    with http_server(database_url, workers=SHOP_WORKERS) as server:
        before = memory.workers_rss_settled(server.pid, SHOP_WORKERS)
        complete = print_catalog_pages(server.port)
        hot = print_hot_sku(database_url, server.port)
        complete &= not hot["other"]
        complete &= print_spread(database_url, server.port, hot)
        after = memory.workers_rss_kb(server.pid)
    print_memory(
        f"the {SHOP_WORKERS} gunicorn sync workers above",
        before,
        ("the catalog pages and holds", after),
    )
    return complete


def print_catalog_pages(port: int) -> bool:
    from catalog.models import Condition, Sku

    from . import catalog_pages

    found = catalog_pages.run(port, forget_cache)
    base = found.pop("product page")
    products = Sku.objects.filter(condition=Condition.NEW).count()
    print(
        f"catalog page / with {products} products: time per page over HTTP "
        f"(one client, {catalog_pages.ROUNDS} requests each, "
        f"{SHOP_WORKERS} sync workers); queries counted in-process, "
        "the availability cache warm (and cold)"
    )
    for kind, page in found.items():
        print(
            f"  {kind + ':':<22} {_page_figures(page)}, "
            f"median ratio to product page {page['median'] / base['median']:.2f}"
        )
    print(
        f"  baseline /products/{{sku}}/ ({base['paths']} SKUs): {_page_figures(base)}"
    )
    failed = {k: p["failed"] for k, p in [*found.items(), ("product", base)]}
    failed = {k: n for k, n in failed.items() if n}
    if failed:
        print(f"  FAILED: answers other than 200: {failed}")
    return not failed


def _page_figures(page: dict) -> str:
    return (
        f"median {page['median']:.1f} ms, p95 {page['p95']:.1f} ms, "
        f"queries {_span(page['warm'])} ({_span(page['cold'])} cold)"
    )


def _span(low_high: tuple[int, int]) -> str:
    low, high = low_high
    return str(low) if low == high else f"{low}-{high}"


def print_hot_sku(database_url: str, port: int) -> dict:
    from . import hot_sku

    hot = hot_sku.run(database_url, port)
    print(
        f"hot SKU holds/s through POST /api/v1/reservations "
        f"({hot_sku.CLIENTS} clients, {SHOP_WORKERS} sync workers, as make run's "
        f"API server): {hot['api']:.0f}"
    )
    print(f"  baseline pgbench conditional UPDATE: {hot['pgbench']:.0f} tps")
    print(f"  ratio: {hot['api'] / hot['pgbench']:.3f}")
    print(f"  check: {hot['granted']} holds granted = units reserved")
    if hot["other"]:
        print(f"  FAILED: answers other than 201: {hot['other']}")
    return hot


def print_hot_sku_asgi(database_url: str) -> bool:
    """Print the hot SKU's holds on `make run`'s own server (uvicorn
    workers), beside a fresh pgbench run; return whether every hold was
    granted."""
    from . import hot_sku, live

    with live.asgi_server(database_url) as server:
        hot = hot_sku.run(database_url, server.port, code="HOT-PRINTER-ASGI")
    print(
        f"hot SKU holds/s on make run's page and socket server ({live.WORKERS} "
        f"uvicorn workers, "
        f"{hot_sku.CLIENTS} clients): {hot['api']:.0f}"
    )
    print(f"  baseline pgbench conditional UPDATE: {hot['pgbench']:.0f} tps")
    print(f"  ratio: {hot['api'] / hot['pgbench']:.3f}")
    print(f"  check: {hot['granted']} holds granted = units reserved")
    if hot["other"]:
        print(f"  FAILED: answers other than 201: {hot['other']}")
    return not hot["other"]


def print_spread(database_url: str, port: int, hot: dict) -> bool:
    from . import spread

    found = spread.run(database_url, port)
    print(
        f"spread holds/s through POST /api/v1/reservations over {spread.SKUS} "
        f"SKUs (the same clients and server): {found['api']:.0f}"
    )
    print(f"  baseline hot SKU holds/s above: {hot['api']:.0f}")
    print(
        f"  ratio spread/hot: {found['api'] / hot['api']:.2f} "
        "(should rise with cores, not fall)"
    )
    print(f"  check: {found['granted']} holds granted = units reserved")
    if found["other"]:
        print(f"  FAILED: answers other than 201: {found['other']}")
    return not found["other"]


def print_memory(
    workers: str, before: dict[int, int], load: tuple[str, dict[int, int]]
) -> None:
    """Print the workers' resident memory (kB by process id) after
    start-up and after the load, as MB and their ratio."""
    label, after = load
    mb_before, mb_after = sum(before.values()) / 1024, sum(after.values()) / 1024
    print(
        f"web workers' memory (VmRSS of {workers}): after start-up "
        f"{mb_before:.1f} MB ({mb_before / len(before):.1f} each)"
    )
    print(f"  after {label}: {mb_after:.1f} MB ({mb_after / len(after):.1f} each)")
    print(f"  ratio after/start-up: {mb_after / mb_before:.2f}")
    if set(before) != set(after):
        print(
            f"  note: workers were replaced during the load: "
            f"{sorted(before)} before, {sorted(after)} after"
        )


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
    print_memory(
        f"the {live.WORKERS} uvicorn workers",
        found["rss_before"],
        (f"the holds, {found['sockets']} sockets open", found["rss_after"]),
    )
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


if __name__ == "__main__":
    sys.exit(main())
