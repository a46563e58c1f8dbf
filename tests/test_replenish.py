import importlib

import pytest

import officeshop.settings
from inventory import services, tasks
from inventory.models import LedgerEntry, StockLevel
from inventory.replenish import level_share, stock_replenish_empty
from orders import services as order_services
from tests.conftest import level

pytestmark = pytest.mark.django_db


def test_it_shares_a_threshold_over_the_warehouses():
    assert level_share(8, warehouses=4) == 2
    assert level_share(9, warehouses=4) == 3
    assert level_share(0, warehouses=4) == 1


def test_it_fills_a_level_below_its_share_to_twice_the_threshold(make_sku):
    # Four warehouses: a share of a threshold of 8 is 2.
    sku = make_sku("PAPER-1", threshold=8, EAST=5, WEST=1)

    received = stock_replenish_empty(actor="restock")

    assert received == 15
    assert level(sku, "WEST").on_hand == 16
    assert level(sku, "EAST").on_hand == 5
    entry = LedgerEntry.objects.filter(level=level(sku, "WEST")).last()
    assert (entry.reason, entry.on_hand_delta, entry.actor) == (
        "restock",
        15,
        "restock",
    )


def test_it_leaves_twins_and_levels_that_never_held_stock_alone(make_sku):
    sku = make_sku("PAPER-1", threshold=8, EAST=5)

    assert stock_replenish_empty() == 0
    assert level(sku, "CENTRAL").on_hand == 0
    assert level("PAPER-1-R", "EAST").on_hand == 0


def test_it_refills_a_level_that_demand_emptied(make_sku):
    # A threshold of 4 over four warehouses: a level is refilled once empty.
    sku = make_sku("CHAIR-1", threshold=4, EAST=2)
    hold = services.reservation_create(lines=[(sku.code, 2)], ship_to="EAST")
    order = order_services.order_place(reservation_id=hold.pk, email="a@b.co")
    order_services.order_fulfil(order_id=order.pk, actor="clerk")

    received = stock_replenish_empty()

    assert received == 8
    east = level(sku, "EAST")
    assert (east.on_hand, east.committed, east.available) == (8, 0, 8)


def test_it_counts_held_units_as_gone(make_sku):
    sku = make_sku("LAMP-1", threshold=8, EAST=5)
    services.reservation_create(lines=[(sku.code, 4)], ship_to="EAST")

    received = stock_replenish_empty()

    assert received == 15
    east = level(sku, "EAST")
    assert (east.on_hand, east.reserved, east.available) == (20, 4, 16)


def test_it_leaves_a_level_with_stock_on_its_way(make_sku):
    sku = make_sku("DESK-1", threshold=4, EAST=1)
    StockLevel.objects.filter(pk=level(sku, "EAST").pk).update(incoming=5)

    assert stock_replenish_empty() == 0


def test_it_restocks_at_most_a_batch_emptiest_first(make_sku):
    make_sku("A-1", threshold=8, EAST=1)
    make_sku("B-1", threshold=8, WEST=1)
    make_sku("C-1", threshold=8, SOUTH=1)
    services.reservation_create(lines=[("C-1", 1)], ship_to="SOUTH")

    received = stock_replenish_empty(batch_size=2)

    assert received == 16 + 15
    assert level("C-1", "SOUTH").available == 16
    assert level("A-1", "EAST").available == 16
    assert level("B-1", "WEST").available == 1


def test_it_receives_nothing_the_second_time(make_sku):
    make_sku("PAPER-1", threshold=8, WEST=1)
    stock_replenish_empty()

    assert stock_replenish_empty() == 0


def test_its_task_calls_the_service(make_sku):
    sku = make_sku("PAPER-1", threshold=8, WEST=1)

    assert tasks.stock_replenish() == 15
    assert level(sku, "WEST").on_hand == 16


def test_it_is_scheduled_every_minute_only_with_auto_restock(monkeypatch):
    monkeypatch.setenv("AUTO_RESTOCK", "1")
    on = importlib.reload(officeshop.settings).CELERY_BEAT_SCHEDULE
    monkeypatch.setenv("AUTO_RESTOCK", "0")
    off = importlib.reload(officeshop.settings).CELERY_BEAT_SCHEDULE

    assert on["replenish-empty-stock"] == {
        "task": "inventory.tasks.stock_replenish",
        "schedule": 60.0,
    }
    assert "replenish-empty-stock" not in off
