"""Orders through the services: ship, cancel, return, with exact figures."""

import pytest

from inventory import services
from inventory.errors import (
    OrderStateConflict,
    ReservationUsed,
    ReturnExceedsShipped,
)
from orders import services as order_services
from tests.conftest import level

pytestmark = pytest.mark.postgres


def place(lines, email="buyer@example.com", ship_to=None):
    held = services.reservation_create(lines=lines, ship_to=ship_to)
    return order_services.order_place(reservation_id=held.pk, email=email)


def test_it_ships_part_and_cancel_twice_releases_the_rest_once(make_sku):
    desk = make_sku("DESK-A", EAST=100)
    lamp = make_sku("LAMP-B", EAST=100)
    order = place([(desk.code, 10), (lamp.code, 10)])

    order_services.order_fulfil(
        order_id=order.pk,
        lines=[{"sku": desk.code, "quantity": 7}, {"sku": lamp.code, "quantity": 6}],
    )
    order_services.order_cancel(order_id=order.pk)
    order_services.order_cancel(order_id=order.pk)

    for sku, on_hand in ((desk, 93), (lamp, 94)):
        lv = level(sku)
        assert (lv.on_hand, lv.reserved, lv.committed) == (on_hand, 0, 0)


def test_it_refuses_to_order_one_hold_twice(make_sku):
    sku = make_sku("PEN-1", EAST=2)
    held = services.reservation_create(lines=[(sku.code, 1)])
    order_services.order_place(reservation_id=held.pk, email="a@example.com")

    with pytest.raises(ReservationUsed):
        order_services.order_place(reservation_id=held.pk, email="a@example.com")
    assert (level(sku).reserved, level(sku).committed) == (0, 1)


def test_it_takes_returns_by_condition_and_never_beyond_shipped(make_sku):
    sku = make_sku("PRINTER-9", EAST=10)
    order = place([(sku.code, 6)])
    order_services.order_fulfil(order_id=order.pk)
    assert level(sku).on_hand == 4

    order_services.order_return(
        order_id=order.pk,
        lines=[
            {"sku": sku.code, "quantity": 2, "condition": "resellable"},
            {"sku": sku.code, "quantity": 1, "condition": "refurbished"},
            {"sku": sku.code, "quantity": 1, "condition": "damaged"},
        ],
    )
    with pytest.raises(ReturnExceedsShipped):
        order_services.order_return(
            order_id=order.pk,
            lines=[{"sku": sku.code, "quantity": 3, "condition": "resellable"}],
        )

    assert level(sku).on_hand == 6
    assert level(f"{sku.code}-R").on_hand == 1
    order_services.order_return(
        order_id=order.pk,
        lines=[{"sku": sku.code, "quantity": 2, "condition": "damaged"}],
    )
    assert (level(sku).on_hand, level(f"{sku.code}-R").on_hand) == (6, 1)


def test_it_will_not_cancel_an_order_shipped_in_full(make_sku):
    sku = make_sku("FOLDER-1", EAST=3)
    order = place([(sku.code, 3)])
    order_services.order_fulfil(order_id=order.pk)

    with pytest.raises(OrderStateConflict):
        order_services.order_cancel(order_id=order.pk)
    lv = level(sku)
    assert (lv.on_hand, lv.reserved, lv.committed) == (0, 0, 0)


def test_it_answers_not_found_for_ids_that_cannot_exist(make_sku):
    from inventory.errors import NotFound

    for call in (
        lambda: order_services.order_place(reservation_id="nope", email="a@b.co"),
        lambda: order_services.order_cancel(order_id="12"),
        lambda: services.reservation_release(reservation_id="x" * 40),
    ):
        with pytest.raises(NotFound):
            call()
