"""Reads of demand history and forecasts."""

import zoneinfo
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from catalog.models import Condition, Sku
from inventory.models import StockLevel
from orders.models import OrderLine

from .demand import History, Item
from .models import DemandLine, LevelForecast

# Cover below which a product page says the item is selling fast.
SELLING_FAST_DAYS = 7


def store_today() -> date:
    """Return today's date in the store's time zone."""
    zone = zoneinfo.ZoneInfo(settings.STORE_TIME_ZONE)
    return timezone.now().astimezone(zone).date()


def demand_history(*, sku_ids: list[int] | None = None) -> History:
    """Return the units of every new-condition SKU (or of ``sku_ids``) per
    warehouse and day: the imported files' lines and the shop's own
    orders (less what was cancelled), an order counted on its store-time
    date."""
    history = History()
    imported = DemandLine.objects.filter(sku__condition=Condition.NEW)
    ordered = OrderLine.objects.filter(level__sku__condition=Condition.NEW)
    if sku_ids is not None:
        imported = imported.filter(sku_id__in=sku_ids)
        ordered = ordered.filter(level__sku_id__in=sku_ids)

    imported = imported.values_list(
        "sku_id",
        "warehouse__code",
        "sku__category",
        "sku__sub_category",
        "day",
        "quantity",
    )
    for sku_id, code, category, sub_category, day, quantity in imported.iterator():
        item = Item(sku_id, code, category, sub_category)
        history.add(item, day, quantity)

    zone = zoneinfo.ZoneInfo(settings.STORE_TIME_ZONE)
    ordered = (
        ordered.annotate(units=F("quantity") - F("cancelled"))
        .filter(units__gt=0)
        .values_list(
            "level__sku_id",
            "level__warehouse__code",
            "level__sku__category",
            "level__sku__sub_category",
            "order__created_at",
            "units",
        )
    )
    for sku_id, code, category, sub_category, moment, units in ordered.iterator():
        item = Item(sku_id, code, category, sub_category)
        history.add(item, moment.astimezone(zone).date(), units)
    return history


def level_stock(level: StockLevel) -> int:
    """Return the units a level still has to sell: on hand, less what
    is held and promised."""
    return max(0, level.on_hand - level.reserved - level.committed)


def days_of_cover(stock: int, daily_demand: Decimal) -> Decimal | None:
    """Return how many days ``stock`` lasts at ``daily_demand``, to a
    tenth; None when nothing is expected to sell."""
    if daily_demand <= 0:
        return None
    cover = Decimal(stock) / daily_demand
    return cover.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def stockout_date(forecast: LevelForecast, stock: int, *, today: date) -> date | None:
    """Return the first day the forecast's demand from ``today`` on
    exceeds ``stock``, or None when it does not within the forecast."""
    offset = max(0, (today - forecast.starts_on).days)
    expected = 0.0
    for index, units in enumerate(forecast.daily[offset:]):
        expected += units
        if expected > stock:
            return today + timedelta(days=index)
    return None


def level_forecast_entry(level: StockLevel, *, today: date) -> dict:
    """Return the contract's forecast object of one level that has a
    forecast (``level.forecast``)."""
    forecast = level.forecast
    stock = level_stock(level)
    return {
        "warehouse": level.warehouse.code,
        "daily_demand": forecast.daily_demand,
        "days_of_cover": days_of_cover(stock, forecast.daily_demand),
        "stockout_date": stockout_date(forecast, stock, today=today),
        "reorder_point": forecast.reorder_point,
        "order_up_to": forecast.order_up_to,
    }


def sku_forecast(code: str, *, today: date | None = None) -> dict | None:
    """Return the contract's forecast body of a SKU, or None for an
    unknown SKU. Only warehouses with a forecast are listed."""
    sku = Sku.objects.filter(code=code).first()
    if sku is None:
        return None

    today = today or store_today()
    levels = (
        StockLevel.objects.filter(sku=sku, forecast__isnull=False)
        .select_related("warehouse", "forecast")
        .order_by("warehouse__code")
    )
    return {
        "sku": sku.code,
        "warehouses": [level_forecast_entry(lv, today=today) for lv in levels],
    }


def sku_selling_fast(sku: Sku) -> bool:
    """Return whether the SKU still has stock, and its stock over all
    warehouses covers less than SELLING_FAST_DAYS of forecast demand."""
    levels = StockLevel.objects.filter(sku=sku, forecast__isnull=False).select_related(
        "forecast"
    )
    demand = sum((lv.forecast.daily_demand for lv in levels), Decimal(0))
    stock = sum(level_stock(lv) for lv in levels)
    # Compared unrounded: a cover of 6.96 days is shown as 7.0, yet it
    # is under a week.
    return 0 < stock < demand * SELLING_FAST_DAYS


def forecasts_by_level(level_ids) -> dict[int, LevelForecast]:
    """Return the forecasts of the given levels, by level id."""
    rows = LevelForecast.objects.filter(level_id__in=list(level_ids))
    return {row.level_id: row for row in rows}
