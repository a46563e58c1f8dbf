import io
import logging

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError

from catalog.orderfile import read_order_file
from orders import replay as replay_module
from orders.models import Order, OrderLine
from orders.replay import orders_of, orders_replay
from tests.conftest import level
from tests.orderfiles import sale, write_orders

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(tmp_path):
    """Copy Paper: 6 in EAST; Stapler: 4 in EAST and 4 in WEST."""
    path = write_orders(
        tmp_path / "history.csv",
        [
            sale("H-1", "1/2/2016", "East", "PAPER-1", "Copy Paper", "60", "6"),
            sale("H-2", "1/3/2016", "East", "STAPLER-1", "Stapler", "9", "1"),
            sale("H-3", "1/4/2016", "West", "STAPLER-1", "Stapler", "18", "2"),
        ],
    )
    call_command("import_catalog", str(path), stdout=io.StringIO())


@pytest.fixture
def demand(tmp_path):
    """Three orders, the latest first in the file."""
    return write_orders(
        tmp_path / "demand.csv",
        [
            sale("D-3", "1/9/2016", "East", "PAPER-1", "Copy Paper", "30", "3"),
            sale("D-1", "1/2/2016", "East", "PAPER-1", "Copy Paper", "40", "4"),
            sale("D-2", "1/5/2016", "West", "STAPLER-1", "Stapler", "18", "2"),
            sale("D-2", "1/5/2016", "West", "STAPLER-1", "Stapler", "9", "1"),
        ],
    )


def replay(path, *options: str) -> str:
    out = io.StringIO()
    call_command("replay_orders", str(path), *options, stdout=out, stderr=out)
    return out.getvalue()


class FakeStop:
    """Record each wait instead of sleeping; ``fire`` makes waits report
    a stop request."""

    def __init__(self, fire: bool = False) -> None:
        self.waits: list[float] = []
        self.fire = fire

    def is_set(self) -> bool:
        return False

    def wait(self, seconds: float) -> bool:
        self.waits.append(seconds)
        return self.fire


def test_it_replays_orders_by_date_and_counts_a_lost_sale(catalog, demand):
    output = replay(demand, "--speed", "0")

    assert "replayed 3 orders" in output
    assert ": 2 placed (3 lines, 7 units), 1 lost sales, 0 refused" in output
    assert Order.objects.filter(status=Order.Status.FULFILLED).count() == 2
    # D-1 (4 units) came before D-3 (3 units), which then could not be had.
    paper_lines = OrderLine.objects.filter(level__sku__code="PAPER-1")
    assert list(paper_lines.values_list("quantity", flat=True)) == [4]
    paper = level("PAPER-1", "EAST")
    assert (paper.on_hand, paper.reserved, paper.committed) == (2, 0, 0)
    assert level("STAPLER-1", "WEST").on_hand == 1
    assert level("STAPLER-1", "EAST").on_hand == 4


def test_it_loops_until_the_limit(catalog, demand):
    output = replay(demand, "--speed", "0", "--loop", "--limit", "5")

    assert "replayed 5 orders" in output
    assert ": 3 placed (5 lines, 10 units), 2 lost sales, 0 refused" in output
    # The second D-2 took WEST's last unit and two more from EAST.
    assert level("STAPLER-1", "WEST").on_hand == 0
    assert level("STAPLER-1", "EAST").on_hand == 2
    assert level("PAPER-1", "EAST").on_hand == 2


def test_it_logs_a_lost_sale_at_info(catalog, demand, caplog):
    with caplog.at_level(logging.INFO, logger="orders.replay"):
        replay(demand, "--speed", "0")

    lost = [r for r in caplog.records if r.getMessage().startswith("lost sale")]
    assert [r.levelno for r in lost] == [logging.INFO]
    assert "order D-3" in lost[0].getMessage()


def test_it_waits_a_second_per_file_day_at_speed_86400(catalog, tmp_path):
    path = write_orders(
        tmp_path / "demand.csv",
        [
            sale("D-1", "1/2/2016", "East", "PAPER-1", "Copy Paper", "10", "1"),
            sale("D-2", "1/2/2016", "East", "PAPER-1", "Copy Paper", "10", "1"),
            sale("D-3", "1/3/2016", "East", "PAPER-1", "Copy Paper", "10", "1"),
        ],
    )
    orders, unknown = orders_of(read_order_file(path))
    stop = FakeStop()

    tally = orders_replay(orders=orders, speed=86400, stop=stop, clock=lambda: 0.0)

    # Two orders on one day are half a day apart.
    assert stop.waits == [0.5, 1.0]
    assert (tally.orders, tally.placed, unknown) == (3, 3, 0)


def test_it_stops_between_orders_when_asked(catalog, demand):
    orders, _ = orders_of(read_order_file(demand))
    stop = FakeStop(fire=True)

    tally = orders_replay(orders=orders, speed=1, stop=stop, clock=lambda: 0.0)

    assert (tally.orders, tally.placed) == (1, 1)
    assert Order.objects.count() == 1


def test_it_skips_lines_of_products_the_shop_does_not_have(catalog, tmp_path):
    path = write_orders(
        tmp_path / "demand.csv",
        [
            sale("D-1", "1/2/2016", "East", "PAPER-1", "Copy Paper", "10", "1"),
            sale("D-1", "1/2/2016", "East", "GONE-1", "Fax Machine", "10", "1"),
            sale("D-2", "1/3/2016", "East", "GONE-1", "Fax Machine", "10", "1"),
        ],
    )

    output = replay(path, "--speed", "0")

    assert "2 lines skipped: product not in the shop" in output
    assert ": 1 placed (1 lines, 1 units), 0 lost sales" in output


def test_it_refuses_a_file_whose_products_are_all_unknown(tmp_path):
    path = write_orders(
        tmp_path / "demand.csv",
        [sale("D-1", "1/2/2016", "East", "GONE-1", "Fax Machine", "10", "1")],
    )

    with pytest.raises(CommandError, match="import it first"):
        replay(path, "--speed", "0")


def test_it_refuses_a_broken_file_naming_the_line(catalog, tmp_path):
    path = write_orders(
        tmp_path / "demand.csv",
        [sale("D-1", "1/2/2016", "East", "PAPER-1", "Copy Paper", "10", "x")],
    )

    with pytest.raises(CommandError, match="line 2, column 'Quantity'"):
        replay(path, "--speed", "0")
    assert Order.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_it_counts_a_database_failure_and_goes_on(catalog, demand, monkeypatch):
    real = replay_module.reservation_create
    calls = []

    def flaky(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise OperationalError("database is locked")
        return real(**kwargs)

    monkeypatch.setattr(replay_module, "reservation_create", flaky)

    output = replay(demand, "--speed", "0")

    # D-1 failed, so D-3 found the paper D-1 would have taken.
    assert ": 2 placed (3 lines, 6 units), 0 lost sales, 0 refused, 1 failed" in output
    assert level("PAPER-1", "EAST").on_hand == 3
