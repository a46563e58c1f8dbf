"""Celery jobs of the alerts; each calls one service."""

from celery import shared_task

from . import digest, services
from .models import LowStockDigest


@shared_task
def back_in_stock_notify() -> int:
    """Tell each waiting customer whose SKU is back, once."""
    return services.back_in_stock_notify()


@shared_task
def low_stock_digest_send() -> int:
    """E-mail the stock room the SKUs newly low or out, if any."""
    sent = digest.low_stock_digest_send()
    if sent is None or sent.status != LowStockDigest.Status.SENT:
        return 0
    return len(sent.lines)


@shared_task
def alerts_prune() -> int:
    """Forget finished subscriptions and old digests."""
    return services.subscriptions_prune() + digest.digests_prune()
