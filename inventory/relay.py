"""Publish every stock event the fast path left behind.

Runs as a task inside each web process (``officeshop.asgi``), so the demo's
in-process channel layer is reached too. It reads unpublished event rows
older than RELAY_GRACE_SECONDS, in (SKU, sequence) order, sends each to its
SKU's group, and only then marks them published: a crash in between means
they are sent again, which clients ignore by sequence. Several web
processes may each send a leftover event; that is harmless for the same
reason.
"""

import asyncio
import logging
from datetime import timedelta

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.utils import timezone

from . import stockcache
from .live import event_message, sku_group
from .models import StockEvent
from .services import reservations_expire_lapsed

logger = logging.getLogger(__name__)

BATCH_SIZE = 500


def pending_events(*, grace_seconds: float) -> list[StockEvent]:
    """Return the oldest unpublished events, in publishing order."""
    cutoff = timezone.now() - timedelta(seconds=grace_seconds)
    return list(
        StockEvent.objects.filter(published_at__isnull=True, created_at__lte=cutoff)
        .order_by("sku_id", "sequence")
        .only("pk", "sku_id", "sequence", "payload")[:BATCH_SIZE]
    )


def cache_forward(events: list[StockEvent]) -> None:
    """Move the cache's pointers past ``events`` before anyone hears of
    them: a process that died after its commit never did, and a page told
    of a change must not then read the answer from before it."""
    newest: dict[str, int] = {}
    for event in events:
        code = event.payload["sku_id"]
        newest[code] = max(newest.get(code, 0), event.sequence)
    stockcache.sequence_bump(newest)


def mark_published(events: list[StockEvent]) -> None:
    StockEvent.objects.filter(
        pk__in=[e.pk for e in events], published_at__isnull=True
    ).update(published_at=timezone.now())


async def relay_once(*, grace_seconds: float | None = None) -> int:
    """Publish one batch of leftover events; return how many."""
    if grace_seconds is None:
        grace_seconds = settings.RELAY_GRACE_SECONDS
    events = await database_sync_to_async(pending_events)(grace_seconds=grace_seconds)
    if not events:
        return 0

    await database_sync_to_async(cache_forward)(events)
    layer = get_channel_layer()
    for event in events:
        await layer.group_send(
            sku_group(event.sku_id), event_message(event.sku_id, event.payload)
        )
    await database_sync_to_async(mark_published)(events)
    if settings.RELAY_GRACE_SECONDS > 0:
        logger.info("relay published %d events left behind", len(events))
    return len(events)


async def relay_forever() -> None:
    """Publish leftovers until cancelled; survive any single failure.

    It also expires lapsed holds every RESERVATION_SWEEP_SECONDS, as the
    beat job does, so that pages stop counting a lapsed hold even while
    no Celery worker runs. Several processes sweeping is safe: expiry
    locks each hold and does nothing to one already expired.
    """
    loop = asyncio.get_running_loop()
    next_sweep = loop.time()
    while True:
        try:
            sent = await relay_once()
            if loop.time() >= next_sweep:
                next_sweep = loop.time() + settings.RESERVATION_SWEEP_SECONDS
                await database_sync_to_async(reservations_expire_lapsed)()
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("relay pass failed; trying again")
            sent = 0
        if sent < BATCH_SIZE:
            await asyncio.sleep(settings.RELAY_INTERVAL_SECONDS)
