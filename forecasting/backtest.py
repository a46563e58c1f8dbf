"""The backtest: fit on one order file, forecast the next one's weeks.

Scores, per the contract's Forecasts section: WAPE = sum |actual -
forecast| / sum actual over every group and week of the test period, for
category x region, sub-category x region and SKU x warehouse, beside
seasonal naive (a week forecast by the actual units of the same days 364
days earlier). Weeks run Monday to Sunday from the Monday on or before
the test file's first order date. A week cut by the test period's first
or last day counts only its days inside the period, for the actual, the
forecast and seasonal naive alike.

Then the policy: each SKU and warehouse replays the test period's daily
demand against the forecast's reorder points and, beside it, against a
baseline that reorders below two weeks of mean demand up to four weeks.

The model is fitted on the training file alone; the test file's lines
are read only to score it (and as seasonal naive's history when the test
period is longer than 364 days).
"""

import logging
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from . import policy
from .demand import History, Item, history_of_lines
from .files import read_backtest_file
from .model import DemandModel

logger = logging.getLogger(__name__)

SEASON_LAG_DAYS = 364
LEVELS = (
    ("category_region_week", lambda item: (item.category, item.warehouse)),
    ("subcategory_region_week", lambda item: item.pool),
    ("sku_warehouse_week", lambda item: item),
)


class BacktestError(ValueError):
    """Files a backtest cannot be run on, saying why."""


@dataclass(frozen=True)
class Period:
    """The test period's days and its weeks, as day indexes."""

    first_day: date
    last_day: date

    @property
    def days(self) -> list[date]:
        count = (self.last_day - self.first_day).days + 1
        return [self.first_day + timedelta(days=i) for i in range(count)]

    @property
    def weeks(self) -> list[slice]:
        """Return each week's days as a slice of ``days``, the first and
        last week cut at the period's ends."""
        monday = self.first_day - timedelta(days=self.first_day.weekday())
        count = (self.last_day - self.first_day).days + 1
        weeks, start = [], 0
        end = (monday - self.first_day).days + 7
        while start < count:
            weeks.append(slice(start, min(end, count)))
            start, end = end, end + 7
        return weeks


def backtest_files(*, train_path, test_path, service_level: float) -> list[dict]:
    """Return the contract's result lines for a backtest of two files."""
    train = history_of_lines(read_backtest_file(train_path))
    test = history_of_lines(read_backtest_file(test_path))
    if test.first_day <= train.last_day:
        raise BacktestError(
            f"{test_path}: the test period starts on {test.first_day}, "
            f"before the training file ends on {train.last_day}; the test "
            "file must start after the training file ends"
        )
    return backtest(train=train, test=test, service_level=service_level)


def backtest(*, train: History, test: History, service_level: float) -> list[dict]:
    """Fit on ``train``, forecast ``test``'s period and score both."""
    period = Period(test.first_day, test.last_day)
    model = DemandModel(train)
    horizon = policy.LEAD_TIME_DAYS + policy.REVIEW_DAYS
    ahead = Period(period.first_day, period.last_day + timedelta(days=horizon))
    items = sorted(set(model.shares) | set(test.items), key=_item_order)
    forecast = {item: model.item_daily(item, ahead.days) for item in items}
    orders = {item: model.item_orders_daily(item, ahead.days) for item in items}

    lines = [
        _level_line(
            name,
            group_of,
            items=items,
            forecast=forecast,
            period=period,
            train=train,
            test=test,
            model=model,
        )
        for name, group_of in LEVELS
    ]
    lines.append(
        _policy_line(
            items=items,
            orders=orders,
            period=period,
            train=train,
            test=test,
            model=model,
            service_level=service_level,
        )
    )
    return lines


def _item_order(item: Item) -> tuple:
    return (item.category, item.sub_category, item.warehouse, str(item.product))


def _daily(by_day: dict[date, int], days: list[date]) -> np.ndarray:
    return np.array([by_day.get(day, 0) for day in days], dtype=float)


def _level_line(name, group_of, *, items, forecast, period, train, test, model):
    days = period.days
    earlier = [day - timedelta(days=SEASON_LAG_DAYS) for day in days]
    actual: dict[Hashable, np.ndarray] = defaultdict(lambda: np.zeros(len(days)))
    predicted: dict[Hashable, np.ndarray] = defaultdict(lambda: np.zeros(len(days)))
    naive: dict[Hashable, np.ndarray] = defaultdict(lambda: np.zeros(len(days)))

    for item in items:
        group = group_of(item)
        actual[group] += _daily(test.units.get(item, {}), days)
        predicted[group] += forecast[item][: len(days)]
        known = {**train.units.get(item, {}), **test.units.get(item, {})}
        naive[group] += _daily(known, earlier)

    return {
        "level": name,
        "model": model.name,
        "wape": _round(_wape(actual, predicted, period.weeks)),
        "baseline": "seasonal_naive",
        "baseline_wape": _round(_wape(actual, naive, period.weeks)),
    }


def _wape(actual: dict, predicted: dict, weeks: list[slice]) -> float:
    """Return sum |actual - forecast| / sum actual over groups and weeks."""
    error = total = 0.0
    for group, units in actual.items():
        for week in weeks:
            done = units[week].sum()
            error += abs(done - predicted[group][week].sum())
            total += done
    return error / total


def _policy_line(*, items, orders, period, train, test, model, service_level):
    days = period.days
    span = (train.last_day - train.first_day).days + 1
    ours, baseline = policy.Replay(), policy.Replay()

    for item in items:
        demand = [int(units) for units in _daily(test.units.get(item, {}), days)]
        reorder, up_to = _forecast_levels(
            orders[item], len(days), model.lot_sizes(item), service_level
        )
        policy.replay(
            demand=demand,
            reorder_points=reorder,
            orders_up_to=up_to,
            lead_time_days=policy.LEAD_TIME_DAYS,
            into=ours,
        )

        mean = sum(train.units.get(item, {}).values()) / span
        fixed = policy.baseline_levels(mean)
        policy.replay(
            demand=demand,
            reorder_points=[fixed.reorder_point] * len(days),
            orders_up_to=[fixed.order_up_to] * len(days),
            lead_time_days=policy.LEAD_TIME_DAYS,
            into=baseline,
        )

    return {
        "level": "policy",
        "fill_rate": _round(ours.fill_rate),
        "avg_on_hand": _round(ours.avg_on_hand),
        "baseline_fill_rate": _round(baseline.fill_rate),
        "baseline_avg_on_hand": _round(baseline.avg_on_hand),
    }


def _forecast_levels(daily: np.ndarray, count: int, sizes, alpha: float):
    """Return the item's reorder points and order-up-to levels for each
    of the ``count`` days, each from the forecast of the days after it."""
    lead, review = policy.LEAD_TIME_DAYS, policy.REVIEW_DAYS
    total = np.concatenate([[0.0], np.cumsum(daily)])
    starts = np.arange(1, count + 1)
    lead_demand = total[np.minimum(starts + lead, len(daily))] - total[starts]
    horizon_end = np.minimum(starts + lead + review, len(daily))
    horizon_demand = total[horizon_end] - total[starts]
    reorder, up_to = policy.levels_series(
        lead_orders=lead_demand,
        horizon_orders=horizon_demand,
        sizes=sizes,
        alpha=alpha,
    )
    return reorder.tolist(), up_to.tolist()


def _round(value: float) -> float:
    return round(float(value), 4)
