"""Holds per second on one hot SKU, against PostgreSQL's own ceiling.

The baseline is pgbench running the same conditional single-row UPDATE
with the same number of clients, on the same database, in the same run.
"""

import http.client
import json
import re
import subprocess
import tempfile
import threading
import time

import psycopg

from .seed import seed_hot_sku
from .support import http_server

CLIENTS = 16
SECONDS = 10
STOCK = 5_000_000


def pgbench_rate(database_url: str) -> float:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_level")
        conn.execute(
            "CREATE TABLE bench_level (sku text PRIMARY KEY, on_hand int, reserved int)"
        )
        conn.execute(f"INSERT INTO bench_level VALUES ('hot', {STOCK}, 0)")
    script = (
        "UPDATE bench_level SET reserved = reserved + 1 "
        "WHERE sku = 'hot' AND on_hand - reserved >= 1;\n"
    )
    with tempfile.NamedTemporaryFile("w", suffix=".sql") as sql:
        sql.write(script)
        sql.flush()
        out = subprocess.run(
            [
                "pgbench",
                "-n",
                "-c",
                str(CLIENTS),
                "-j",
                "2",
                "-T",
                str(SECONDS),
                "-f",
                sql.name,
                database_url,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    return float(re.search(r"tps = ([\d.]+)", out).group(1))


def api_rate(database_url: str) -> tuple[float, int, int]:
    """Return (holds a second, holds granted, units reserved after)."""
    seed_hot_sku(code="HOT-PRINTER", on_hand=STOCK)
    with http_server(database_url) as port:
        granted = _hammer(port)
    with psycopg.connect(database_url) as conn:
        reserved = conn.execute(
            "SELECT sum(l.reserved) FROM inventory_stocklevel l "
            "JOIN catalog_sku s ON s.id = l.sku_id WHERE s.code = 'HOT-PRINTER'"
        ).fetchone()[0]
    return granted / SECONDS, granted, reserved


def _hammer(port: int) -> int:
    body = json.dumps({"lines": [{"sku": "HOT-PRINTER", "quantity": 1}]})
    counts = [0] * CLIENTS
    stop = time.monotonic() + SECONDS

    def client(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop:
            conn.request(
                "POST",
                "/api/v1/reservations",
                body,
                {"Content-Type": "application/json"},
            )
            response = conn.getresponse()
            response.read()
            if response.status == 201:
                counts[index] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts)


def run(database_url: str) -> dict:
    baseline = pgbench_rate(database_url)
    rate, granted, reserved = api_rate(database_url)
    if granted != reserved:
        raise AssertionError(f"{granted} holds granted but {reserved} reserved")
    return {"api": rate, "pgbench": baseline, "granted": granted}
