"""Holds: lapsing, sweeping, splitting over warehouses."""

from datetime import timedelta

import pytest
from django.utils import timezone

from inventory import services
from inventory.errors import InsufficientStock, ReservationExpired
from inventory.models import Reservation, ReservationLine
from inventory.tasks import reservations_expire_lapsed
from orders import services as order_services
from tests.conftest import level

pytestmark = pytest.mark.postgres


def lapse(reservation: Reservation) -> None:
    """Move a hold's expiry into the past, as the clock would."""
    past = timezone.now() - timedelta(seconds=1)
    Reservation.objects.filter(pk=reservation.pk).update(expires_at=past)
    ReservationLine.objects.filter(reservation=reservation).update(expires_at=past)


def test_it_gives_a_lapsed_hold_to_the_next_shopper_before_any_sweep(make_sku):
    sku = make_sku("STAPLER-1", EAST=1)
    first = services.reservation_create(lines=[(sku.code, 1)], ttl_seconds=1)
    with pytest.raises(InsufficientStock):
        services.reservation_create(lines=[(sku.code, 1)])

    lapse(first)
    second = services.reservation_create(lines=[(sku.code, 1)])

    assert second.hold_lines[0].quantity == 1
    assert level(sku).reserved == 1
    with pytest.raises(ReservationExpired):
        order_services.order_place(reservation_id=first.pk, email="a@example.com")
    order = order_services.order_place(reservation_id=second.pk, email="b@example.com")
    assert order.status == "placed"
    assert (level(sku).reserved, level(sku).committed) == (0, 1)


def test_it_sweeps_an_untouched_hold_after_its_ttl(make_sku):
    sku = make_sku("BINDER-4", WEST=4)
    untouched = services.reservation_create(lines=[(sku.code, 3)], ttl_seconds=1)
    assert level(sku, "WEST").reserved == 3

    lapse(untouched)
    expired = reservations_expire_lapsed.apply().get()

    assert expired == 1
    untouched.refresh_from_db()
    assert untouched.status == Reservation.Status.EXPIRED
    assert level(sku, "WEST").reserved == 0
    assert reservations_expire_lapsed.apply().get() == 0


def test_it_serves_the_shoppers_region_first_then_splits(make_sku):
    sku = make_sku("DESK-10", EAST=5, WEST=5, SOUTH=1)

    held = services.reservation_create(lines=[(sku.code, 10)], ship_to="east")

    by_warehouse = {ln.level.warehouse.code: ln.quantity for ln in held.hold_lines}
    assert by_warehouse == {"EAST": 5, "WEST": 5}
    services.reservation_release(reservation_id=held.pk)
    services.reservation_release(reservation_id=held.pk)
    for code in ("EAST", "WEST", "SOUTH"):
        assert level(sku, code).reserved == 0


def test_it_splits_an_ordered_hold_and_cancel_frees_both_warehouses(make_sku):
    sku = make_sku("CHAIR-10", EAST=5, WEST=5)
    held = services.reservation_create(lines=[(sku.code, 10)], ship_to="WEST")
    order = order_services.order_place(reservation_id=held.pk, email="c@example.com")

    order_services.order_cancel(order_id=order.pk)

    for code in ("EAST", "WEST"):
        lv = level(sku, code)
        assert (lv.on_hand, lv.reserved, lv.committed) == (5, 0, 0)
