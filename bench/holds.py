"""One-unit holds through POST /api/v1/reservations from many clients.

The hot-SKU and spread benchmarks share this: CLIENTS threads post
holds for SECONDS (gunicorn's sync workers close each connection after
one answer, so every hold reconnects), then the units reserved are read
back from the levels to check every hold granted left exactly one unit
behind.
"""

import http.client
import json
import threading
import time

import psycopg

CLIENTS = 16
SECONDS = 10


def holds_place(port: int, codes: list[str]) -> tuple[int, int]:
    """Post one-unit holds from CLIENTS threads for SECONDS; return how
    many were granted (201) and how many got any other answer.

    Client ``n`` takes ``codes`` round-robin, starting at the ``n``-th,
    so the clients spread evenly over the SKUs at every moment.
    """
    counts = [(0, 0)] * CLIENTS
    stop = time.monotonic() + SECONDS

    def client(n: int) -> None:
        counts[n] = _hold_until(port, codes[n:] + codes[:n], stop)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(g for g, _ in counts), sum(o for _, o in counts)


def _hold_until(port: int, codes: list[str], stop: float) -> tuple[int, int]:
    bodies = [json.dumps({"lines": [{"sku": code, "quantity": 1}]}) for code in codes]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    granted = other = n = 0
    while time.monotonic() < stop:
        conn.request(
            "POST",
            "/api/v1/reservations",
            bodies[n % len(bodies)],
            {"Content-Type": "application/json"},
        )
        response = conn.getresponse()
        response.read()
        granted += response.status == 201
        other += response.status != 201
        n += 1

    conn.close()
    return granted, other


def units_reserved(database_url: str, codes: list[str]) -> int:
    """Return the units reserved over ``codes`` in every warehouse."""
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT coalesce(sum(l.reserved), 0) FROM inventory_stocklevel l "
            "JOIN catalog_sku s ON s.id = l.sku_id WHERE s.code = ANY(%s)",
            [codes],
        ).fetchone()
    return row[0]
