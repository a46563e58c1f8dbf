"""Refresh the forecasts: refit the model, rewrite every level's figures.

A refresh reads the whole demand history (imported files and the shop's
orders), fits the demand model (forecasting.model) and, for each level of
a new-condition SKU the model knows, stores the expected units of each
day over FORECAST_HORIZON_DAYS, their mean, and the reorder point and
order-up-to level for the restock policy's lead time and review period
at FORECAST_SERVICE_LEVEL (forecasting.policy). The restock suggestions
are then recomputed from them.
"""

import logging
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from catalog.models import Condition
from inventory import restock
from inventory.models import StockLevel

from . import policy
from .demand import Item
from .model import DemandModel
from .models import LevelForecast
from .selectors import demand_history, store_today

logger = logging.getLogger(__name__)

# Any constant the shop's other advisory locks do not use.
REFRESH_LOCK_KEY = 7_301_002
BATCH_SIZE = 1000
_FIGURES = [
    "starts_on",
    "daily",
    "daily_demand",
    "reorder_point",
    "order_up_to",
    "computed_at",
]


def forecasts_refresh(*, today: date | None = None) -> int:
    """Rewrite every level's forecast; return how many levels have one.

    Safe to run twice at once: the writes take turns, and the later run
    leaves its own figures. The restock suggestions are refreshed after.
    """
    today = today or store_today()
    history = demand_history()
    rows = _forecasts(history, today=today) if history else []

    now = timezone.now()
    for row in rows:
        row.computed_at = now
    with transaction.atomic():
        _take_turns()
        LevelForecast.objects.bulk_create(
            rows,
            batch_size=BATCH_SIZE,
            update_conflicts=True,
            unique_fields=["level"],
            update_fields=_FIGURES,
        )
        LevelForecast.objects.exclude(computed_at=now).delete()

    logger.info("forecasts refreshed: %d levels", len(rows))
    restock.suggestions_refresh()
    return len(rows)


def _forecasts(history, *, today: date) -> list[LevelForecast]:
    model = DemandModel(history)
    lead = max(0, settings.RESTOCK_LEAD_TIME_DAYS)
    review = max(1, settings.RESTOCK_REVIEW_DAYS)
    horizon = max(1, settings.FORECAST_HORIZON_DAYS)
    count = max(horizon, lead + review) + 1
    days = [today + timedelta(days=i) for i in range(count)]

    levels = StockLevel.objects.filter(sku__condition=Condition.NEW).select_related(
        "sku", "warehouse"
    )
    rows = []
    for level in levels.iterator(chunk_size=BATCH_SIZE):
        item = Item(
            level.sku_id,
            level.warehouse.code,
            level.sku.category,
            level.sku.sub_category,
        )
        if item in model.shares:
            rows.append(_forecast(model, item, level, days, lead, review, horizon))
    return rows


def _forecast(model, item, level, days, lead, review, horizon) -> LevelForecast:
    daily = model.item_daily(item, days)[:horizon]
    orders = model.item_orders_daily(item, days)

    # The windows start tomorrow: today's demand is already being served
    # from what is on hand.
    levels = policy.levels_from_forecast(
        lead_orders=float(orders[1 : 1 + lead].sum()),
        horizon_orders=float(orders[1 : 1 + lead + review].sum()),
        sizes=model.lot_sizes(item),
        alpha=settings.FORECAST_SERVICE_LEVEL,
    )
    mean = Decimal(str(float(daily.mean()))).quantize(
        Decimal("0.001"), rounding=ROUND_HALF_UP
    )
    return LevelForecast(
        level=level,
        starts_on=days[0],
        daily=[round(float(units), 4) for units in daily],
        daily_demand=mean,
        reorder_point=levels.reorder_point,
        order_up_to=levels.order_up_to,
    )


def _take_turns() -> None:
    # SQLite takes its write lock when the transaction begins; PostgreSQL
    # needs a lock that two refreshes, and only they, contend for.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REFRESH_LOCK_KEY])
