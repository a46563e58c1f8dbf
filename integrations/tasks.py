"""Celery jobs for vendor events; each calls one service."""

from celery import shared_task

from . import deliveries, services


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
