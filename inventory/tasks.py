"""Celery jobs that watch over holds and stock; each calls one service."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import drift, replenish, restock, services
from .models import IdempotencyRecord, StockEvent

logger = logging.getLogger(__name__)


@shared_task
def reservations_expire_lapsed() -> int:
    """Free the units of every hold past its expiry."""
    return services.reservations_expire_lapsed()


@shared_task
def idempotency_keys_prune() -> int:
    """Forget idempotency keys older than IDEMPOTENCY_KEY_TTL_SECONDS."""
    cutoff = timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL_SECONDS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    if deleted:
        logger.info("pruned %d idempotency keys", deleted)
    return deleted


@shared_task
def stock_replenish() -> int:
    """Top up the levels demand emptied; scheduled when AUTO_RESTOCK."""
    return replenish.stock_replenish_empty()


@shared_task
def stock_events_prune() -> int:
    """Forget stock events older than EVENT_HISTORY_SECONDS once both
    the sockets and the webhooks have had them."""
    cutoff = timezone.now() - timedelta(seconds=settings.EVENT_HISTORY_SECONDS)
    # An event not yet handed to the outbound webhooks is kept until it is.
    deleted, _ = StockEvent.objects.filter(
        created_at__lt=cutoff,
        published_at__isnull=False,
        dispatched_at__isnull=False,
    ).delete()
    if deleted:
        logger.info("pruned %d stock events", deleted)
    return deleted


@shared_task
def restock_suggestions_refresh() -> int:
    """Recompute the restock suggestions listed in the admin."""
    return restock.suggestions_refresh()


@shared_task
def stock_reconcile() -> int | None:
    """Reconcile all stock; on problems, warn, alert and e-mail managers.

    Scheduled every RECONCILE_INTERVAL_SECONDS; returns the open alert's
    id, if any.
    """
    alert = drift.drift_watch()
    return alert.pk if alert else None
