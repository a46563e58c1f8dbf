"""Commit-to-socket latency of live stock events, with 500 sockets open.

The shop's ASGI server runs as `make run` serves it: gunicorn with two
uvicorn workers. This process opens SOCKETS WebSockets spread evenly over
SKUS SKUs, each following one SKU, then places HOLDS one-unit holds
through ``reservation_create``, a few a second, spread over the SKUs.
Each event is timed from just after the service returned (its on-commit
hook has handed the event to the fast-path publisher by then) to its
arrival at every socket following that SKU. One clock serves both ends:
the sockets live in this process. Client and server share the cores.
"""

import asyncio
import contextlib
import json
import math
import random
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.db import connection
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException

from inventory.models import StockEvent
from inventory.services import reservation_create

from .memory import workers_rss_kb, workers_rss_settled
from .seed import seed_hot_sku
from .support import gunicorn

SOCKETS = 500
SKUS = 50
HOLDS = 200
HOLDS_PER_SECOND = 8
WORKERS = 2
STOCK = 1_000
# Sockets opening at once; the server joins each to its SKU's group.
OPENING_AT_ONCE = 50
# Longer than the consumer's periodic check (LIVE_CHECK_SECONDS, 10 s),
# so an event the channel layer lost and the check filled still arrives,
# and counts, late.
DRAIN_SECONDS = 15


@dataclass
class Tally:
    """Commit times and arrival times, keyed by (SKU code, sequence)."""

    followers: Counter = field(default_factory=Counter)
    commits: dict = field(default_factory=dict)
    arrivals: defaultdict = field(default_factory=lambda: defaultdict(list))
    others: Counter = field(default_factory=Counter)

    def arrive(self, message: dict, at: float) -> None:
        if message.get("event_type") != "inventory_updated":
            self.others[message.get("event_type", "unknown")] += 1
            return
        self.arrivals[(message["sku_id"], message["sequence"])].append(at)

    def expected(self) -> int:
        return sum(self.followers[code] for code, _ in self.commits)

    def delivered(self) -> int:
        return sum(len(self.arrivals.get(key, [])) for key in self.commits)

    def latencies_ms(self) -> list[float]:
        return sorted(
            (arrived - committed) * 1000
            for key, committed in self.commits.items()
            for arrived in self.arrivals.get(key, [])
        )


def run(database_url: str) -> dict:
    """Measure; return the figures `make bench` prints."""
    codes = [f"LIVE-{n:02d}" for n in range(SKUS)]
    sequences = {
        code: seed_hot_sku(code=code, on_hand=STOCK).sequence for code in codes
    }
    with asgi_server(database_url) as server:
        url = f"ws://127.0.0.1:{server.port}/ws/inventory/"
        before = workers_rss_settled(server.pid, WORKERS)
        tally, after = asyncio.run(
            _measure(url, sequences, lambda: workers_rss_kb(server.pid))
        )

    latencies = tally.latencies_ms()
    return {
        "sockets": sum(tally.followers.values()),
        "events": len(tally.commits),
        "expected": tally.expected(),
        "delivered": tally.delivered(),
        "others": dict(tally.others),
        "median": statistics.median(latencies) if latencies else math.nan,
        "p99": _percentile(latencies, 99),
        "max": latencies[-1] if latencies else math.nan,
        "rss_before": before,
        "rss_after": after,
    }


def asgi_server(database_url: str):
    """Serve the shop as `make run` does; yield the port."""
    return gunicorn(
        database_url,
        "officeshop.asgi:application",
        "--worker-class=officeshop.workers.ShopWorker",
        f"--workers={WORKERS}",
    )


async def _measure(
    url: str, sequences: dict[str, int], rss: Callable[[], dict[int, int]]
) -> tuple[Tally, dict[int, int]]:
    """Open the sockets, hold, wait for the deliveries; return the tally
    and the workers' memory then, every socket still open."""
    tally = Tally()
    codes = list(sequences)
    gate = asyncio.Semaphore(OPENING_AT_ONCE)
    opened = await asyncio.gather(
        *(_open(url, codes[n % len(codes)], sequences, gate) for n in range(SOCKETS))
    )
    sockets = [(code, ws) for code, ws in opened if ws is not None]
    for code, _ in sockets:
        tally.followers[code] += 1

    listeners = [asyncio.create_task(_listen(ws, tally)) for _, ws in sockets]
    with ThreadPoolExecutor(max_workers=1) as database:
        await _hold_paced(database, sequences, tally)
        await _drain(tally)
        after = rss()
        await asyncio.get_running_loop().run_in_executor(database, _disconnect)

    await asyncio.gather(*(ws.close() for _, ws in sockets), return_exceptions=True)
    await asyncio.gather(*listeners, return_exceptions=True)
    return tally, after


async def _open(
    url: str, code: str, sequences: dict[str, int], gate: asyncio.Semaphore
) -> tuple[str, ClientConnection | None]:
    """Follow ``code`` from just before its newest event, so the replay
    of that event confirms the socket has joined the SKU's group."""
    request = {"subscribe": [code], "since": {code: sequences[code] - 1}}
    async with gate:
        try:
            ws = await connect(url, proxy=None, open_timeout=30)
            await ws.send(json.dumps(request))
            first = json.loads(await asyncio.wait_for(ws.recv(), 30))
        except (OSError, TimeoutError, WebSocketException):
            return code, None

    if first.get("sequence") != sequences[code]:
        await ws.close()
        return code, None
    return code, ws


async def _listen(ws: ClientConnection, tally: Tally) -> None:
    with contextlib.suppress(ConnectionClosed):
        async for raw in ws:
            arrived = time.perf_counter()
            tally.arrive(json.loads(raw), arrived)


async def _hold_paced(database, sequences: dict[str, int], tally: Tally) -> None:
    """Place HOLDS holds at HOLDS_PER_SECOND, each SKU in turn, shuffled."""
    order = [code for _ in range(HOLDS // len(sequences)) for code in sequences]
    random.Random(7).shuffle(order)
    loop = asyncio.get_running_loop()
    last = dict(sequences)
    started = time.perf_counter()

    for n, code in enumerate(order):
        await asyncio.sleep(
            max(0.0, started + n / HOLDS_PER_SECOND - time.perf_counter())
        )
        committed, new = await loop.run_in_executor(database, _hold, code, last[code])
        for sequence in new:
            tally.commits[(code, sequence)] = committed
        last[code] = max(new, default=last[code])


def _hold(code: str, after: int) -> tuple[float, list[int]]:
    """Hold one unit; return when it committed and its events' sequences."""
    reservation_create(lines=[(code, 1)], actor="bench")
    committed = time.perf_counter()

    sequences = StockEvent.objects.filter(sku__code=code, sequence__gt=after)
    return committed, list(sequences.values_list("sequence", flat=True))


def _disconnect() -> None:
    connection.close()


async def _drain(tally: Tally) -> None:
    """Wait until every socket has every event, or DRAIN_SECONDS."""
    deadline = time.perf_counter() + DRAIN_SECONDS
    while tally.delivered() < tally.expected() and time.perf_counter() < deadline:
        await asyncio.sleep(0.1)


def _percentile(ordered: list[float], rank: int) -> float:
    """Return the nearest-rank percentile of an ascending list."""
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(rank / 100 * len(ordered)) - 1)]
