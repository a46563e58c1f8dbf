"""Holds per second on one hot SKU, against PostgreSQL's own ceiling.

The baseline is pgbench running the same conditional single-row UPDATE
with the same number of clients, on the same database, in the same run.
The holds go to the shop's server `make bench` starts (gunicorn's sync
workers), which the caller owns.
"""

import re
import subprocess
import tempfile

import psycopg

from .holds import CLIENTS, SECONDS, holds_place, units_reserved
from .seed import seed_hot_sku

CODE = "HOT-PRINTER"
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


def run(database_url: str, port: int, *, code: str = CODE) -> dict:
    """Measure pgbench, then holds of a new SKU ``code`` on the shop's
    server at ``port``."""
    baseline = pgbench_rate(database_url)

    seed_hot_sku(code=code, on_hand=STOCK)
    granted, other = holds_place(port, [code])
    reserved = units_reserved(database_url, [code])
    if granted != reserved:
        raise AssertionError(f"{granted} holds granted but {reserved} reserved")
    return {
        "api": granted / SECONDS,
        "pgbench": baseline,
        "granted": granted,
        "other": other,
    }
