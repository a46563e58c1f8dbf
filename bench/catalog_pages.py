"""The catalog page's time and queries, against the product page's.

Run with the whole catalog imported. Times are taken over HTTP from the
shop's server, one request at a time (so they are a page's own time,
no queueing), after a few untimed requests have warmed every worker.
Queries are counted in this process with Django's test client, exactly:
once with this run's cache emptied (the availability cache cold), then
again with it holding the page's figures, as a busy shop mostly has.
"""

import http.client
import math
import statistics
import time
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog import selectors
from catalog.models import Condition, Sku
from catalog.views import PAGE_SIZE

ROUNDS = 100
WARMUP = 8
PRODUCTS = 50
SEARCH = "chair"
CATEGORY = "Furniture"


def run(port: int, forget_cache) -> dict:
    """Measure every kind of page; return its figures by kind.

    ``forget_cache`` empties this run's cache, for the cold query count.
    """
    kinds = {**catalog_paths(), "product page": product_paths()}
    return {
        kind: {
            **_timed(port, paths),
            **_queries(paths, forget_cache),
            "paths": len(paths),
        }
        for kind, paths in kinds.items()
    }


def catalog_paths() -> dict[str, list[str]]:
    """Return the catalog pages measured: the first, one in the middle,
    a search and a category, each by the name printed beside it."""
    pages = Paginator(selectors.skus_for_catalog(), PAGE_SIZE).num_pages
    root = reverse("catalog:catalog")
    return {
        "page 1": [root],
        f"page {pages // 2 + 1} of {pages}": [f"{root}?page={pages // 2 + 1}"],
        f"search {SEARCH!r}": [f"{root}?{urlencode({'q': SEARCH})}"],
        f"category {CATEGORY}": [f"{root}?{urlencode({'category': CATEGORY})}"],
    }


def product_paths() -> list[str]:
    """Return PRODUCTS product pages, new SKUs evenly spaced by code."""
    codes = list(
        Sku.objects.filter(condition=Condition.NEW)
        .order_by("code")
        .values_list("code", flat=True)
    )
    step = max(1, len(codes) // PRODUCTS)
    return [reverse("catalog:product", args=[c]) for c in codes[::step][:PRODUCTS]]


def _timed(port: int, paths: list[str]) -> dict:
    """GET ``paths`` in turn ROUNDS times; return the median and p95 in
    ms, and how many answers were not 200."""
    for n in range(WARMUP):
        _get(port, paths[n % len(paths)])

    times, failed = [], 0
    for n in range(ROUNDS):
        started = time.perf_counter()
        status = _get(port, paths[n % len(paths)])
        times.append((time.perf_counter() - started) * 1000)
        failed += status != 200

    times.sort()
    return {
        "median": statistics.median(times),
        "p95": times[math.ceil(0.95 * len(times)) - 1],
        "failed": failed,
    }


def _get(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def _queries(paths: list[str], forget_cache) -> dict:
    """Return the fewest and most queries a page of ``paths`` took, cold
    and warm."""
    client = Client(HTTP_HOST="127.0.0.1")
    cold, warm = [], []
    for path in paths:
        forget_cache()
        cold.append(_count(client, path))
        warm.append(_count(client, path))
    return {"cold": (min(cold), max(cold)), "warm": (min(warm), max(warm))}


def _count(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    if response.status_code != 200:
        raise AssertionError(f"GET {path} answered {response.status_code}")
    return len(queries)
