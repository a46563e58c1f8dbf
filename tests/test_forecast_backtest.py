"""``forecast_backtest`` on hand-made files whose scores are worked out
on paper, and its refusals of files it cannot score."""

import json
import subprocess
import sys
from datetime import date, timedelta
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from forecasting import backtest as backtest_module
from forecasting.demand import History, Item
from forecasting.model import FIT_MAX_DAYS, DemandModel
from tests.orderfiles import HEADER, sale, write_orders

ROOT = Path(__file__).resolve().parent.parent


def paper(order, day, quantity, region="East"):
    return sale(order, day, region, "OFF-PA-1", "Copy paper", "10", str(quantity))


def phone(order, day, quantity, region="East"):
    return sale(
        order,
        day,
        region,
        "TEC-PH-1",
        "Desk phone",
        "50",
        str(quantity),
        Category="Technology",
        Sub_Category="Phones",
    )


# Two weeks of 2015, Monday 5 January to Sunday 18 January: 14 units of
# paper (1 a day) and 2 of phones (1 a week) in EAST.
TRAIN = [
    paper("CA-1", "1/5/2015", 3),
    phone("CA-2", "1/6/2015", 2),
    paper("CA-3", "1/12/2015", 7),
    paper("CA-4", "1/18/2015", 4),
]
# Two weeks of 2016, Monday 4 January to Sunday 17 January, each day
# 364 days after its training day.
TEST = [
    paper("CA-5", "1/4/2016", 5),
    phone("CA-6", "1/5/2016", 1),
    paper("CA-7", "1/13/2016", 2),
    paper("CA-8", "1/17/2016", 6),
]


@pytest.fixture
def files(tmp_path):
    def write(train=TRAIN, test=TEST, **options):
        train_path = write_orders(tmp_path / "train.csv", train, **options)
        test_path = write_orders(tmp_path / "test.csv", test)
        return train_path, test_path

    return write


def backtest(train_path, test_path, **options) -> list[dict]:
    out = StringIO()
    call_command(
        "forecast_backtest",
        "--train",
        str(train_path),
        "--test",
        str(test_path),
        stdout=out,
        **options,
    )
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_it_scores_each_level_as_worked_out_on_paper(files):
    lines = backtest(*files())

    # Paper: forecast 7 a week (14 units over 14 days), actual 5 then 8:
    # error 2 + 1. Seasonal naive: 3 (5-11 Jan 2015) then 11: error 2 + 3.
    # Phones: forecast 1 a week, actual 1 then 0: error 0 + 1. Seasonal
    # naive: 2 then 0: error 1 + 0. Actual units: 13 + 1 = 14.
    # Each product is alone in its category and sub-category, so every
    # level scores the same.
    assert [line["level"] for line in lines] == [
        "category_region_week",
        "subcategory_region_week",
        "sku_warehouse_week",
        "policy",
    ]
    for line in lines[:3]:
        assert line["model"] == "poisson_glm_pooled_subcategory"
        assert line["baseline"] == "seasonal_naive"
        assert line["wape"] == round(4 / 14, 4)
        assert line["baseline_wape"] == round(6 / 14, 4)


def test_it_replays_the_baseline_policy_as_worked_out_on_paper(files):
    policy = backtest(*files())[-1]

    # Paper's mean is 1 a day: reorder at 13 or below, up to 28. It
    # starts at 28, ends day 1 at 23, day 10 at 21 and day 14 at 15, and
    # never reorders: 23*9 + 21*4 + 15 = 306 unit-days. Phones (1/7 a
    # day): reorder at 1 or below, up to 4; 4 on day 1, then 3 for 13
    # days: 43. Every unit asked for is served.
    assert policy["baseline_fill_rate"] == 1.0
    assert policy["baseline_avg_on_hand"] == round((306 + 43) / 28, 4)
    assert set(policy) == {
        "level",
        "fill_rate",
        "avg_on_hand",
        "baseline_fill_rate",
        "baseline_avg_on_hand",
    }


def test_it_cuts_the_first_and_last_week_at_the_test_period(files):
    # The test now runs Wednesday 6 to Wednesday 13 January: week one has
    # five days (paper 0 sold, forecast 5, naive 0 over 7-11 Jan 2015),
    # week two three (paper 2 sold, forecast 3, naive 7 on 12 Jan 2015).
    test = [paper("CA-9", "1/6/2016", 0 + 1), paper("CA-10", "1/13/2016", 2)]
    lines = backtest(*files(test=test))

    # Paper alone now: actual 1 + 2; forecast 5 and 3; naive 0 and 7.
    # Phones sold nothing in the test: forecast 5/7 + 3/7 = 8/7 units,
    # naive 0 (their one sale was on 6 Jan 2015, before the week's days).
    paper_error = abs(1 - 5) + abs(2 - 3)
    phone_error = 8 / 7
    assert lines[2]["wape"] == round((paper_error + phone_error) / 3, 4)
    assert lines[2]["baseline_wape"] == round((1 + 5) / 3, 4)


def test_it_fits_on_the_training_file_alone(files, tmp_path, monkeypatch):
    fitted = []

    class Spy(DemandModel):
        def __init__(self, history):
            super().__init__(history)
            fitted.append(self)

    monkeypatch.setattr(backtest_module, "DemandModel", Spy)
    doubled = [{**row, "Quantity": str(int(row["Quantity"]) * 3)} for row in TEST]
    backtest(*files())
    backtest(*files(test=doubled))

    first, second = fitted
    assert first.calendar.last_day.isoformat() == "2015-01-18"
    assert first.shares == second.shares
    assert first.params.tolist() == second.params.tolist()


def test_it_refuses_a_test_file_that_starts_before_the_training_file_ends(files):
    early = [paper("CA-9", "1/10/2015", 1)]

    with pytest.raises(CommandError, match="before the training file ends"):
        backtest(*files(test=early))


def test_it_refuses_a_test_file_that_ends_before_the_training_file_starts(
    files,
):
    older = [paper("CA-9", "6/1/2014", 1), paper("CA-10", "6/30/2014", 2)]

    with pytest.raises(CommandError, match="starts on 2014-06-01, before"):
        backtest(*files(test=older))


def test_it_refuses_an_empty_file(files, tmp_path):
    train_path, test_path = files()
    test_path.write_text("")

    with pytest.raises(CommandError, match="the file is empty"):
        backtest(train_path, test_path)


def test_it_refuses_a_file_with_only_a_header(files, tmp_path):
    train_path, _ = files()
    test_path = write_orders(tmp_path / "header.csv", [])

    with pytest.raises(CommandError, match="header but no order lines"):
        backtest(train_path, test_path)


def test_it_refuses_a_file_with_an_unknown_column(files, tmp_path):
    _, test_path = files()
    train_path = write_orders(
        tmp_path / "odd.csv", TRAIN, header=[*HEADER, "Warehouse Bin"]
    )

    with pytest.raises(CommandError, match="unknown column 'Warehouse Bin'"):
        backtest(train_path, test_path)


def test_it_refuses_a_service_level_out_of_range(files):
    with pytest.raises(CommandError, match="not from 0.5 to below 1"):
        backtest(*files(), service_level="1.5")


def test_it_exits_non_zero_with_the_reason_on_a_bad_file(files, tmp_path):
    train_path, test_path = files()
    test_path.write_text("")

    done = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "forecast_backtest",
            "--train",
            str(train_path),
            "--test",
            str(test_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 1
    assert "the file is empty" in done.stderr
    assert done.stdout == ""


def test_it_refuses_an_order_date_past_the_calendar_it_can_count(files):
    far = [paper("CA-9", "12/30/9999", 1)]

    with pytest.raises(CommandError, match="line 2, column 'Order Date'"):
        backtest(*files(test=far))


def test_it_fits_at_most_the_last_years_of_a_long_history():
    history = History()
    item = Item(("OFF-PA-1", "Copy paper"), "EAST", "Office Supplies", "Paper")
    # A typing slip of a century in one line's year.
    history.add(item, date(1915, 1, 5), 2)
    history.add(item, date(2014, 1, 5), 3)
    history.add(item, date(2015, 12, 31), 4)

    model = DemandModel(history)

    assert model.calendar.first_day == date(2015, 12, 31) - timedelta(
        days=FIT_MAX_DAYS - 1
    )
    assert model.calendar.last_day == date(2015, 12, 31)
    assert np.isfinite(model.params).all()
