"""Availability reads a second through the HTTP API, cached and not,
against a static file from the same server.

Each figure is CLIENTS threads reading for SECONDS from gunicorn with
WORKERS sync workers, as `make bench` serves holds. The cached server
shares this process's Redis cache; the uncached one runs with REDIS_URL
empty, which turns AVAILABILITY_CACHE off. The baseline is
``/static/css/shop.css``, which whitenoise answers before any view runs.
Gunicorn's sync workers close each connection after one answer, so
the clients' keep-alive connections reconnect for every request; client
and server share the cores.
"""

import http.client
import threading
import time

from .seed import seed_hot_sku
from .support import http_server

CLIENTS = 16
SECONDS = 8
WORKERS = 4
SKUS = 50
STATIC = "/static/css/shop.css"


def run(database_url: str) -> dict:
    """Measure; return reads a second for each kind of answer."""
    codes = [f"READ-{n:02d}" for n in range(SKUS)]
    for code in codes:
        seed_hot_sku(code=code, on_hand=100)
    paths = [f"/api/v1/skus/{code}/availability" for code in codes]

    with http_server(database_url, workers=WORKERS) as server:
        static = _rate(server.port, [STATIC])
        cached = _rate(server.port, paths)
    with http_server(database_url, workers=WORKERS, REDIS_URL="") as server:
        uncached = _rate(server.port, paths)
    return {"static": static, "cached": cached, "uncached": uncached}


def _rate(port: int, paths: list[str]) -> dict:
    """Return reads a second over ``paths``, and how many answers were
    not 200, once every path has been read (and so cached) first."""
    _read(port, paths, stop=None)

    stop = time.monotonic() + SECONDS
    results: list[tuple[int, int]] = [(0, 0)] * CLIENTS

    def client(n: int) -> None:
        results[n] = _read(port, paths[n:] + paths[:n], stop=stop)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    elapsed = time.monotonic() - started
    ok = sum(good for good, _ in results)
    return {"rate": ok / elapsed, "failed": sum(bad for _, bad in results)}


def _read(port: int, paths: list[str], *, stop: float | None) -> tuple[int, int]:
    """GET ``paths`` in turn until ``stop``, or once each when it is None;
    return (200 answers, other answers)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    good = bad = 0
    n = 0
    while n < len(paths) if stop is None else time.monotonic() < stop:
        conn.request("GET", paths[n % len(paths)])
        response = conn.getresponse()
        response.read()
        good += response.status == 200
        bad += response.status != 200
        n += 1

    conn.close()
    return good, bad
