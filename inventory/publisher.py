"""Publish committed stock events at once: the fast path.

``events_committed`` runs on commit in whichever process made the change
(a web worker, a Celery worker, a command). It moves the availability
cache's pointers forward, then hands the events to a thread that keeps
one channel layer connection and one event loop for the process's life,
so no request waits on Redis. Whatever this path fails to publish (the
process dies, Redis blips) the relay publishes later; clients drop a
sequence they have already seen, so publishing twice is harmless.
"""

import asyncio
import logging
import queue
import threading
import time

from channels.layers import get_channel_layer
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from . import stockcache
from .live import event_message, sku_group
from .models import StockEvent

logger = logging.getLogger(__name__)

# How long published events wait to be marked so; under the relay's grace.
MARK_EVERY_SECONDS = 0.25


def events_committed(events: list[StockEvent]) -> None:
    """Announce events whose transaction has just committed."""
    if not events:
        return
    newest: dict[str, int] = {}
    for event in events:
        code = event.payload["sku_id"]
        newest[code] = max(newest.get(code, 0), event.sequence)
    stockcache.sequence_bump(newest)
    if fast_path_enabled():
        _publisher().submit(
            [(event.pk, event.sku_id, event.payload) for event in events]
        )


def fast_path_enabled() -> bool:
    """Only a channel layer shared between processes can be reached from
    here; an in-process layer lives in the web process, whose relay
    publishes instead."""
    return bool(settings.REDIS_URL)


class _Publisher:
    def __init__(self) -> None:
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, items: list[tuple]) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="stock-event-publisher", daemon=True
                )
                self._thread.start()
        self._queue.put(items)

    def _run(self) -> None:
        # One loop for the thread's life keeps the channel layer's Redis
        # connections open between batches. The thread blocks on the queue
        # itself, as a daemon, so it never holds up the process's exit.
        loop = asyncio.new_event_loop()
        layer = get_channel_layer()
        sent: list[int] = []
        marked_at = time.monotonic()
        while True:
            try:
                items = self._queue.get(timeout=MARK_EVERY_SECONDS)
            except queue.Empty:
                items = []
            while not self._queue.empty():
                items.extend(self._queue.get_nowait())
            if items:
                try:
                    loop.run_until_complete(_send(layer, items))
                except Exception:
                    logger.exception("fast path could not publish; the relay will")
                else:
                    sent.extend(pk for pk, _, _ in items)
            # Marked in one UPDATE a fraction of a second later rather than
            # one per batch: under load that is one statement instead of
            # hundreds. Well inside the relay's grace, so it never sends
            # these again; if this process dies first, it does, and a
            # client drops a sequence it has seen.
            if sent and time.monotonic() - marked_at >= MARK_EVERY_SECONDS:
                try:
                    _mark_published(sent)
                except Exception:
                    logger.exception("could not mark events published; the relay will")
                sent, marked_at = [], time.monotonic()


async def _send(layer, items: list[tuple]) -> None:
    for _, sku_pk, payload in items:
        await layer.group_send(sku_group(sku_pk), event_message(sku_pk, payload))


def _mark_published(pks: list[int]) -> None:
    close_old_connections()
    try:
        StockEvent.objects.filter(pk__in=pks, published_at__isnull=True).update(
            published_at=timezone.now()
        )
    finally:
        close_old_connections()


_instance = _Publisher()


def _publisher() -> _Publisher:
    return _instance
