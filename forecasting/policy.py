"""Reorder points from a forecast, and a replay of a policy on demand.

Most items sell a few times a year, each time a lot of several units, so
demand over a few days is nearly always nothing and now and then a whole
order. It is modelled as compound Poisson: orders arrive at the rate the
forecast gives (expected units / mean lot size) and each takes a lot size
drawn from the item's past order lines. Its exact distribution (summed
over the possible numbers of orders) gives the levels, for a service
level alpha:

    order up to    = the alpha quantile of demand over lead time + review
    reorder point  = the alpha quantile of demand over the lead time, - 1

Stock is reordered when the position (on hand and on order, less what is
promised) is at or below the reorder point, the test the shop's restock
suggestions apply. A normal approximation would give an item that sells
twice a year a unit or two; the quantile gives it nothing until its odds
of an order in the window pass 1 - alpha, then a whole lot, which is
what serves its orders.
"""

from dataclasses import dataclass

import numpy as np
from scipy.stats import poisson

LEAD_TIME_DAYS = 7
REVIEW_DAYS = 1

# Orders in a window beyond which the distribution is cut: so many
# standard deviations past the expected count leave nothing that moves
# a quantile below 0.9999.
_TAIL_SIGMAS = 8
_TAIL_EXTRA = 8


@dataclass(frozen=True, slots=True)
class Levels:
    """Whole-unit reorder point and order-up-to level of one item."""

    reorder_point: int
    order_up_to: int


def lot_sizes(own: list[int], pool: list[int], *, prior: int) -> np.ndarray:
    """Return the distribution of an item's lot size (index = units): its
    own order lines, with ``prior`` lines' weight of its pool's."""
    top = max([*own, *pool, 1])
    counts = np.bincount(np.asarray(own, dtype=int), minlength=top + 1).astype(float)
    if pool:
        shared = np.bincount(np.asarray(pool, dtype=int), minlength=top + 1)
        counts += prior * shared / len(pool)
    counts[0] = 0.0
    if not counts.sum():
        # Nothing of the pool has sold yet: its first orders are taken
        # to be of one unit, rather than of no known size at all.
        return np.array([0.0, 1.0])
    return counts / counts.sum()


def quantiles(orders: np.ndarray, sizes: np.ndarray, alpha: float) -> np.ndarray:
    """Return, for each expected number of orders in a window, the
    smallest stock that covers the window's demand with probability
    ``alpha``."""
    orders = np.maximum(np.asarray(orders, dtype=float), 0.0)
    most = float(orders.max(initial=0.0))
    count = int(np.ceil(most + _TAIL_SIGMAS * np.sqrt(most) + _TAIL_EXTRA))

    # The distribution of the units of n orders, for n = 0..count, kept
    # on the sums that can happen: a single lot of thousands among lots
    # of a few units would make a dense array of every unit count that
    # long, and its convolutions take minutes.
    lots = np.flatnonzero(sizes)
    values, odds = [np.zeros(1, dtype=int)], [np.ones(1)]
    for _ in range(count):
        sums = (values[-1][:, None] + lots[None, :]).ravel()
        mass = (odds[-1][:, None] * sizes[lots][None, :]).ravel()
        unique, where = np.unique(sums, return_inverse=True)
        values.append(unique)
        odds.append(np.bincount(where, weights=mass))

    support = np.unique(np.concatenate(values))
    table = np.zeros((count + 1, len(support)))
    for n, (these, mass) in enumerate(zip(values, odds, strict=True)):
        table[n, np.searchsorted(support, these)] = mass

    weights = poisson.pmf(np.arange(count + 1)[None, :], orders[:, None])
    covered = np.cumsum(weights @ table, axis=1)
    # The first stock whose odds of covering the window reach alpha; a
    # tiny slack keeps rounding from pushing an exact hit one unit up.
    return support[np.argmax(covered >= alpha - 1e-12, axis=1)]


def levels_series(
    *,
    lead_orders: np.ndarray,
    horizon_orders: np.ndarray,
    sizes: np.ndarray,
    alpha: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Return the reorder points and order-up-to levels of an item for
    each window, from the orders forecast over the lead time and over the
    lead time plus the review period."""
    order_up_to = quantiles(horizon_orders, sizes, alpha)
    lead = quantiles(lead_orders, sizes, alpha)

    # An item stocked at all is reordered once its last unit is gone, even
    # when the lead time alone would not call for any; one not stocked
    # has both levels at 0, which never orders anything.
    reorder_point = np.minimum(np.maximum(lead - 1, 0), order_up_to - 1)
    reorder_point = np.maximum(reorder_point, 0)
    return reorder_point.astype(int), order_up_to.astype(int)


def levels_from_forecast(
    *, lead_orders: float, horizon_orders: float, sizes: np.ndarray, alpha: float
) -> Levels:
    """Return one item's levels for one window."""
    reorder, up_to = levels_series(
        lead_orders=np.array([lead_orders]),
        horizon_orders=np.array([horizon_orders]),
        sizes=sizes,
        alpha=alpha,
    )
    return Levels(int(reorder[0]), int(up_to[0]))


def baseline_levels(mean_daily: float) -> Levels:
    """Return the baseline policy: reorder below two weeks of mean demand,
    up to four weeks of it."""
    if mean_daily <= 0:
        return Levels(reorder_point=0, order_up_to=0)
    return Levels(int(np.ceil(14 * mean_daily)) - 1, int(np.ceil(28 * mean_daily)))


@dataclass
class Replay:
    """What a policy did over the replayed days, summed over items."""

    demanded: int = 0
    served: int = 0
    on_hand_days: int = 0
    item_days: int = 0

    @property
    def fill_rate(self) -> float:
        return self.served / self.demanded if self.demanded else 1.0

    @property
    def avg_on_hand(self) -> float:
        return self.on_hand_days / self.item_days if self.item_days else 0.0


def replay(
    *,
    demand: list[int],
    reorder_points: list[int],
    orders_up_to: list[int],
    lead_time_days: int,
    into: Replay,
) -> None:
    """Replay one item's daily demand against its levels for each day.

    Stock starts at the first day's order-up-to level. Each day what was
    ordered ``lead_time_days`` before arrives, demand is served from what
    is on hand (what cannot be served is lost), and the position is
    reviewed. ``into`` collects the figures.
    """
    on_hand = orders_up_to[0]
    arriving = [0] * (len(demand) + lead_time_days)
    on_order = 0

    for day, wanted in enumerate(demand):
        on_hand += arriving[day]
        on_order -= arriving[day]
        served = min(on_hand, wanted)
        on_hand -= served

        position = on_hand + on_order
        if position <= reorder_points[day]:
            quantity = orders_up_to[day] - position
            arriving[day + lead_time_days] += quantity
            on_order += quantity

        into.demanded += wanted
        into.served += served
        into.on_hand_days += on_hand
        into.item_days += 1
