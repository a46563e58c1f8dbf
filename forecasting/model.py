"""The demand model: a Poisson regression per pool, shared out to items.

Most products sell a few times a year in a warehouse, too seldom for a
model of their own. Their demand is pooled by sub-category and warehouse,
and each pool's daily units are fitted with a Poisson GLM (statsmodels):

    log E[units] = pool + month of year + day of week + trend

The month, weekday and trend effects are shared by every pool, so the
seasonality of three years is learnt from the whole shop rather than from
the handful of sales of one pool. A pool's forecast is shared out to its
items by their past units (and their order rate by their past order
lines), each shrunk toward the pool's mean (see _shares).

A term is fitted only when the history can tell it apart: weekdays after
four weeks, months after a full year, a trend after two years. The trend
is held at its value one year past the history, so that a forecast far
ahead does not grow without end.
"""

import logging
import warnings
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import statsmodels.api as sm

from .demand import History, Item
from .policy import lot_sizes

logger = logging.getLogger(__name__)

WEEKDAY_MIN_DAYS = 28
SEASON_MIN_DAYS = 365
TREND_MIN_DAYS = 730
TREND_HOLD_DAYS = 365
# Days of history a fit reads, back from its last day: the design has a
# row per pool and day, so a line dated decades early (a typo the order
# file's years allow) would otherwise make it gigabytes.
FIT_MAX_DAYS = 5 * 365

# Weight, in order lines, of the pool's lot sizes beside an item's own.
SIZE_PRIOR_LINES = 5

MODEL_NAME = "poisson_glm_pooled_subcategory"


@dataclass(frozen=True)
class Calendar:
    """Which calendar terms a fit has, and where its days start."""

    first_day: date
    last_day: date
    months: tuple[int, ...]
    weekdays: tuple[int, ...]
    trend: bool

    @classmethod
    def for_span(cls, first_day: date, last_day: date) -> "Calendar":
        days = (last_day - first_day).days + 1
        seen = _days(first_day, days)
        months = sorted({day.month for day in seen}) if days >= SEASON_MIN_DAYS else []
        weekdays = (
            sorted({d.weekday() for d in seen}) if days >= WEEKDAY_MIN_DAYS else []
        )
        # The first month and weekday are the reference the others are
        # measured against, so they get no column of their own.
        return cls(
            first_day=first_day,
            last_day=last_day,
            months=tuple(months[1:]),
            weekdays=tuple(weekdays[1:]),
            trend=days >= TREND_MIN_DAYS,
        )

    @property
    def width(self) -> int:
        return len(self.months) + len(self.weekdays) + int(self.trend)

    def columns(self, days: list[date]) -> np.ndarray:
        """Return the calendar columns of the design for ``days``."""
        out = np.zeros((len(days), self.width))
        month_at = {m: i for i, m in enumerate(self.months)}
        weekday_at = {w: len(self.months) + i for i, w in enumerate(self.weekdays)}
        hold = (self.last_day - self.first_day).days + TREND_HOLD_DAYS
        for row, day in enumerate(days):
            if day.month in month_at:
                out[row, month_at[day.month]] = 1.0
            if day.weekday() in weekday_at:
                out[row, weekday_at[day.weekday()]] = 1.0
            if self.trend:
                out[row, -1] = min((day - self.first_day).days, hold) / 365.0
        return out


class DemandModel:
    """A fitted model: expected units per item, pool or group and day."""

    name = MODEL_NAME

    def __init__(self, history: History) -> None:
        first_day = max(
            history.first_day,
            history.last_day - timedelta(days=FIT_MAX_DAYS - 1),
        )
        self.calendar = Calendar.for_span(first_day, history.last_day)
        self.pools = sorted({item.pool for item in history.items})
        self._pool_at = {pool: i for i, pool in enumerate(self.pools)}
        self.shares = _shares(history, sum)
        self.line_shares = _shares(history, len)
        self.line_sizes = dict(history.line_sizes)
        self.pool_line_sizes = _pool_line_sizes(history)
        self._pool_cache: dict = {}
        self._columns_cache: dict = {}
        self.params = self._fit(history)
        logger.info(
            "demand model fitted: %d pools, %d items, %s to %s",
            len(self.pools),
            len(self.shares),
            self.calendar.first_day,
            self.calendar.last_day,
        )

    def _fit(self, history: History) -> np.ndarray:
        span = (self.calendar.last_day - self.calendar.first_day).days + 1
        days = _days(self.calendar.first_day, span)
        units = np.zeros((len(self.pools), span))
        for item, by_day in history.units.items():
            row = self._pool_at[item.pool]
            for day, quantity in by_day.items():
                if day >= self.calendar.first_day:
                    units[row, (day - self.calendar.first_day).days] += quantity

        design = self._design(range(len(self.pools)), self.calendar.columns(days))
        glm = sm.GLM(units.ravel(), design, family=sm.families.Poisson())
        with warnings.catch_warnings():
            # A pool whose every sale fell on one day fits a large
            # negative baseline, which statsmodels warns about; the
            # expected units it gives are still right.
            warnings.simplefilter("ignore")
            return glm.fit().params

    def _design(self, pool_rows, calendar: np.ndarray) -> np.ndarray:
        pool_rows = list(pool_rows)
        days = calendar.shape[0]
        design = np.zeros((len(pool_rows) * days, len(self.pools) + calendar.shape[1]))
        for block, row in enumerate(pool_rows):
            rows = slice(block * days, (block + 1) * days)
            design[rows, row] = 1.0
            design[rows, len(self.pools) :] = calendar
        return design

    def pool_daily(self, pool, days: list[date]) -> np.ndarray:
        """Return a pool's expected units on each of ``days``."""
        if pool not in self._pool_at:
            return np.zeros(len(days))
        # Every item of a pool asks for the same days: each pool's answer
        # is worked out once.
        key = (pool, tuple(days))
        if key not in self._pool_cache:
            design = self._design([self._pool_at[pool]], self._columns(days))
            self._pool_cache[key] = np.exp(design @ self.params)
        return self._pool_cache[key]

    def _columns(self, days: list[date]) -> np.ndarray:
        key = tuple(days)
        if key not in self._columns_cache:
            self._columns_cache[key] = self.calendar.columns(days)
        return self._columns_cache[key]

    def item_daily(self, item: Item, days: list[date]) -> np.ndarray:
        """Return an item's expected units on each of ``days``."""
        share = self.shares.get(item, 0.0)
        if not share:
            return np.zeros(len(days))
        return share * self.pool_daily(item.pool, days)

    def item_orders_daily(self, item: Item, days: list[date]) -> np.ndarray:
        """Return the order lines an item is expected to take each day:
        its pool's, shared out by its part of the pool's lines."""
        share = self.line_shares.get(item, 0.0)
        sizes = self.pool_line_sizes.get(item.pool)
        if not share or not sizes:
            return np.zeros(len(days))
        mean_lot = sum(sizes) / len(sizes)
        return share * self.pool_daily(item.pool, days) / mean_lot

    def lot_sizes(self, item: Item) -> np.ndarray:
        """Return the distribution of the item's lot sizes (units one
        order line takes): its own lines, helped by its pool's."""
        return lot_sizes(
            self.line_sizes.get(item, []),
            self.pool_line_sizes.get(item.pool, []),
            prior=SIZE_PRIOR_LINES,
        )


def _days(first_day: date, count: int) -> list[date]:
    return [date.fromordinal(first_day.toordinal() + i) for i in range(count)]


def _shares(history: History, measure) -> dict[Item, float]:
    """Return each item's part of its pool by ``measure`` of its lines.

    The items of a pool are every product the pool's sub-category has
    sold anywhere, in each warehouse of its pool. An item's own count is
    shrunk toward the pool's mean the empirical-Bayes way (a gamma prior
    on its rate, fitted to the pool's counts by their mean m and variance
    v): weight = own + m^2 / (v - m). One lucky sale then weighs less, and
    a product that has not sold in a warehouse yet still might. A pool
    whose counts spread no more than chance would shares out evenly.
    """
    warehouses = sorted({item.warehouse for item in history.items})
    products = {_product_of(item) for item in history.items}
    pools: dict[tuple, list[Item]] = defaultdict(list)
    for product, category, sub_category in products:
        for warehouse in warehouses:
            item = Item(product, warehouse, category, sub_category)
            pools[item.pool].append(item)

    shares = {}
    for items in pools.values():
        counts = np.array(
            [measure(history.line_sizes.get(item, [])) for item in items], float
        )
        mean, variance = counts.mean(), counts.var()
        if variance > mean:
            weights = counts + mean * mean / (variance - mean)
        else:
            weights = np.ones(len(items))
        for item, weight in zip(items, weights / weights.sum(), strict=True):
            shares[item] = float(weight)
    return shares


def _product_of(item: Item) -> tuple:
    return (item.product, item.category, item.sub_category)


def _pool_line_sizes(history: History) -> dict[tuple, list[int]]:
    sizes: dict[tuple, list[int]] = defaultdict(list)
    for item, own in history.line_sizes.items():
        sizes[item.pool].extend(own)
    return dict(sizes)
