"""Restock suggestions: how much each level should reorder, and turning
the chosen ones into a purchase order.

Per SKU and warehouse, with D units ordered over the last W days (the
shop's order lines, less what was cancelled), lead time L and review
period R in days, and the level's safety stock S:

    daily demand  = D / W
    reorder point = ceil(D * L / W) + S
    order up to   = ceil(D * (L + R) / W) + S
    position      = on_hand - reserved - committed + incoming

Where the level has a demand forecast (forecasting.services), its reorder
point and order-up-to level (set from the forecast demand over the lead
time, its spread and FORECAST_SERVICE_LEVEL) stand in for the two above,
safety stock still added; the rule above is the fallback for a level the
forecast does not know.

When the position is at or below the reorder point, the suggestion is
``order up to - position`` units; otherwise there is none. The position
counts the safety stock among the units on hand, so it is not counted
twice. Refurbished SKUs are never suggested: their units come from
returns, not suppliers.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Sum
from django.utils import timezone

from catalog.models import Condition
from forecasting.selectors import forecasts_by_level
from orders.models import OrderLine

from .errors import InvalidRequest
from .locks import lock_skus
from .models import PurchaseOrder, RestockSuggestion, StockLevel
from .purchasing import MAX_LINE_QUANTITY, po_create, po_open

logger = logging.getLogger(__name__)

# Any constant the shop's other advisory locks do not use.
REFRESH_LOCK_KEY = 7_301_001

# What a refresh rewrites on a level's row.
_FIGURES = [
    "demand",
    "demand_days",
    "daily_demand",
    "lead_time_days",
    "review_days",
    "safety_stock",
    "position",
    "reorder_point",
    "order_up_to",
    "quantity",
    "computed_at",
]


@dataclass(frozen=True)
class Policy:
    """The days a suggestion is computed with."""

    demand_days: int
    lead_time_days: int
    review_days: int

    @classmethod
    def from_settings(cls) -> "Policy":
        return cls(
            demand_days=max(1, settings.RESTOCK_DEMAND_DAYS),
            lead_time_days=max(0, settings.RESTOCK_LEAD_TIME_DAYS),
            review_days=max(0, settings.RESTOCK_REVIEW_DAYS),
        )


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def suggestion_compute(
    *,
    level: StockLevel,
    demand: int,
    policy: Policy,
    now: datetime,
    forecast=None,
) -> RestockSuggestion:
    """Return the suggestion for one level (``quantity`` 0 for none);
    ``forecast`` is the level's LevelForecast, if it has one."""
    days = policy.demand_days
    safety = level.safety_stock
    if forecast is not None:
        reorder_point = forecast.reorder_point + safety
        order_up_to = forecast.order_up_to + safety
    else:
        reorder_point = _ceil_div(demand * policy.lead_time_days, days) + safety
        horizon = policy.lead_time_days + policy.review_days
        order_up_to = _ceil_div(demand * horizon, days) + safety
    position = level.on_hand - level.reserved - level.committed + level.incoming

    quantity = order_up_to - position if position <= reorder_point else 0
    daily = Decimal(demand) / days if forecast is None else forecast.daily_demand
    daily = daily.quantize(Decimal("0.01"), ROUND_HALF_UP)
    return RestockSuggestion(
        level=level,
        demand=demand,
        demand_days=days,
        daily_demand=daily,
        lead_time_days=policy.lead_time_days,
        review_days=policy.review_days,
        safety_stock=safety,
        position=position,
        reorder_point=reorder_point,
        order_up_to=order_up_to,
        quantity=min(max(quantity, 0), MAX_LINE_QUANTITY),
        computed_at=now,
    )


def demand_by_level(*, since: datetime, level_ids=None) -> dict[int, int]:
    """Return the units ordered per level since ``since``, less those
    cancelled."""
    lines = OrderLine.objects.filter(order__created_at__gte=since)
    if level_ids is not None:
        lines = lines.filter(level_id__in=list(level_ids))
    rows = lines.values("level_id").annotate(units=Sum(F("quantity") - F("cancelled")))
    return {row["level_id"]: row["units"] for row in rows if row["units"]}


def suggestions_refresh(*, now: datetime | None = None) -> int:
    """Recompute every level's suggestion; return how many are listed.

    Rows of levels that still need stock are updated in place (so a
    manager's choice on an open list still names them), the others are
    removed. Safe to run twice at once: runs take turns.
    """
    now = now or timezone.now()
    policy = Policy.from_settings()
    demand = demand_by_level(since=now - timedelta(days=policy.demand_days))
    levels = StockLevel.objects.filter(sku__condition=Condition.NEW).only(
        "on_hand", "reserved", "committed", "incoming", "safety_stock"
    )
    forecasts = forecasts_by_level(levels.values_list("pk", flat=True))

    rows = []
    for level in levels.iterator(chunk_size=2000):
        found = suggestion_compute(
            level=level,
            demand=demand.get(level.pk, 0),
            policy=policy,
            now=now,
            forecast=forecasts.get(level.pk),
        )
        if found.quantity > 0:
            rows.append(found)

    with transaction.atomic():
        _take_turns()
        RestockSuggestion.objects.bulk_create(
            rows,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["level"],
            update_fields=_FIGURES,
        )
        # Every row this run wrote carries its moment; the rest are
        # levels that no longer need stock.
        RestockSuggestion.objects.exclude(computed_at=now).delete()
    logger.info("restock suggestions refreshed: %d levels to reorder", len(rows))
    return len(rows)


def _take_turns() -> None:
    # SQLite takes its write lock when the transaction begins; PostgreSQL
    # needs a lock that two refreshes, and only they, contend for.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REFRESH_LOCK_KEY])


def po_from_suggestions(
    *, suggestion_ids: list[int], actor: str, vendor_id: int | None = None
) -> PurchaseOrder:
    """Order what the chosen suggestions ask for, as one open order.

    Each level's quantity is computed again under its SKU's lock, so a
    suggestion listed before stock arrived, or before another manager
    ordered it, never orders twice. The chosen rows are removed; one whose
    level no longer needs stock is left off the order. The order is
    created as a draft and opened in the same transaction, each line
    expected after the lead time.
    """
    policy = Policy.from_settings()
    with transaction.atomic():
        chosen = RestockSuggestion.objects.filter(pk__in=list(suggestion_ids))
        level_ids = sorted(chosen.values_list("level_id", flat=True))
        if not level_ids:
            raise InvalidRequest("none of those suggestions is listed any more")
        sku_ids = StockLevel.objects.filter(pk__in=level_ids).values_list(
            "sku_id", flat=True
        )
        locked = lock_skus(sku_ids)
        levels = [
            lv
            for sku in locked.values()
            for lv in sku.locked_levels
            if lv.pk in level_ids
        ]

        now = timezone.now()
        demand = demand_by_level(
            since=now - timedelta(days=policy.demand_days), level_ids=level_ids
        )
        forecasts = forecasts_by_level(level_ids)
        fresh = [
            suggestion_compute(
                level=lv,
                demand=demand.get(lv.pk, 0),
                policy=policy,
                now=now,
                forecast=forecasts.get(lv.pk),
            )
            for lv in sorted(levels, key=lambda lv: lv.pk)
        ]
        wanted = [s for s in fresh if s.quantity > 0]
        if not wanted:
            raise InvalidRequest(
                "stock already on its way covers every chosen suggestion"
            )

        RestockSuggestion.objects.filter(level_id__in=level_ids).delete()
        expected_on = timezone.localdate() + timedelta(days=policy.lead_time_days)
        po = po_create(
            lines=[(s.level.pk, s.quantity, expected_on) for s in wanted],
            actor=actor,
            vendor_id=vendor_id,
            note="From restock suggestions.",
        )
        po_open(po_id=po.pk, actor=actor)
    return po
