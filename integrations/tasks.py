"""Celery jobs for vendor events and ERP feeds; each calls one service."""

from celery import shared_task

from . import deliveries, feeds, services


@shared_task(acks_late=True)
def inbound_event_apply(event_pk: int) -> str:
    """Apply one stored vendor event; safe to run any number of times."""
    return services.inbound_event_apply(event_pk=event_pk).status


@shared_task
def inbound_events_retry() -> int:
    """Apply stored events whose own task was lost."""
    return services.inbound_events_retry()


@shared_task
def stock_events_deliver() -> int:
    """Hand new stock events to the endpoints and send what is due."""
    return deliveries.stock_events_deliver()


@shared_task
def deliveries_prune() -> int:
    """Forget old delivered stock events."""
    return deliveries.deliveries_prune()


@shared_task
def feeds_pull_due() -> int:
    """Queue a pull of every feed that is due (the beat job)."""
    return feeds.feeds_pull_due()


@shared_task(acks_late=True)
def feed_pull(feed_id: int, force: bool = False) -> str:
    """Pull one feed; a second run finds it claimed or not due and
    does nothing."""
    run = feeds.feed_pull(feed_id=feed_id, force=force)
    return run.outcome if run else "not pulled"


@shared_task
def feed_runs_prune() -> int:
    """Forget feed runs past FEED_RUN_HISTORY_DAYS."""
    return feeds.feed_runs_prune()
