"""Celery jobs of the forecasts; each calls one service."""

import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)


@shared_task
def forecasts_refresh() -> int:
    """Refit the demand model and rewrite every SKU's forecast figures;
    safe to run twice (runs take turns)."""
    return services.forecasts_refresh()
