"""Reorder levels from a compound-Poisson forecast, and the replay that
scores a policy, on cases worked out by hand."""

import math

import numpy as np

from forecasting import policy

# Every order takes two units.
PAIRS = np.array([0.0, 0.0, 1.0])
# ln 2 orders expected: no order with probability 1/2, one with ln2 / 2
# (0.3466), two with (ln 2)^2 / 4 (0.1201).
HALF = math.log(2)


def test_it_takes_the_quantile_of_whole_lots():
    # P(D <= 0) = 0.5, P(D <= 2) = 0.8466, P(D <= 4) = 0.9667.
    assert policy.quantiles(np.array([HALF]), PAIRS, 0.5).tolist() == [0]
    assert policy.quantiles(np.array([HALF]), PAIRS, 0.8).tolist() == [2]
    assert policy.quantiles(np.array([HALF]), PAIRS, 0.95).tolist() == [4]
    assert policy.quantiles(np.array([0.0]), PAIRS, 0.999).tolist() == [0]


def test_it_stocks_a_whole_lot_and_reorders_once_it_is_gone():
    levels = policy.levels_from_forecast(
        lead_orders=0.0, horizon_orders=HALF, sizes=PAIRS, alpha=0.8
    )

    assert levels == policy.Levels(reorder_point=0, order_up_to=2)


def test_it_stocks_nothing_where_nothing_is_expected():
    levels = policy.levels_from_forecast(
        lead_orders=0.0, horizon_orders=0.0, sizes=PAIRS, alpha=0.99
    )

    assert levels == policy.Levels(reorder_point=0, order_up_to=0)


def test_it_weighs_an_items_lot_sizes_with_its_pools():
    sizes = policy.lot_sizes([2, 2], [1, 3], prior=2)

    assert sizes.tolist() == [0.0, 0.25, 0.5, 0.25]


def test_the_baseline_reorders_below_two_weeks_up_to_four():
    assert policy.baseline_levels(1.0) == policy.Levels(13, 28)
    assert policy.baseline_levels(0.1) == policy.Levels(1, 3)
    assert policy.baseline_levels(0.0) == policy.Levels(0, 0)


def test_it_replays_lost_sales_and_late_arrivals():
    found = policy.Replay()

    policy.replay(
        demand=[0, 3, 2, 0, 1],
        reorder_points=[1] * 5,
        orders_up_to=[3] * 5,
        lead_time_days=2,
        into=found,
    )

    # Day 1 empties the shelf and orders 3, which arrive on day 3; the 2
    # asked for on day 2 are lost. On hand at each day's end: 3 0 0 3 2.
    assert (found.demanded, found.served) == (6, 4)
    assert found.fill_rate == 4 / 6
    assert found.avg_on_hand == 8 / 5


# Every order takes one unit or, as often, ten thousand: a lot size the
# order file allows. ln 2 orders split into two independent Poisson
# streams of ln 2 / 2 each: P(no big lot) = 0.7071, and
# P(D <= 2) = 0.7071 * P(ones <= 2) = 0.7034,
# P(D <= 9999) = 0.7071, P(D <= 10000) = 0.7071 + 0.2451 * 0.7071 = 0.8804,
# P(D <= 10001) = 0.7071 + 0.2451 * 0.9523 = 0.9405.
ONE_OR_TEN_THOUSAND = np.zeros(10_001)
ONE_OR_TEN_THOUSAND[[1, 10_000]] = 0.5


def test_it_takes_the_quantile_of_a_huge_lot_for_every_window():
    windows = np.full(366, HALF)

    assert policy.quantiles(windows, ONE_OR_TEN_THOUSAND, 0.7).tolist() == [2] * 366
    at_80 = policy.quantiles(windows, ONE_OR_TEN_THOUSAND, 0.8)
    at_90 = policy.quantiles(windows, ONE_OR_TEN_THOUSAND, 0.9)

    assert at_80.tolist() == [10_000] * 366
    assert at_90.tolist() == [10_001] * 366


def test_it_gives_an_item_with_no_lines_anywhere_lots_of_one():
    sizes = policy.lot_sizes([], [], prior=5)

    assert sizes.tolist() == [0.0, 1.0]
