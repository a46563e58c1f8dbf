import pytest

from inventory import services
from inventory.models import LedgerEntry
from orders import services as order_services
from tests.conftest import level

pytestmark = pytest.mark.django_db


def test_it_holds_orders_and_ships(make_sku):
    sku = make_sku("DESK-1", EAST=5, WEST=5)

    hold = services.reservation_create(lines=[(sku.code, 7)], ship_to="west")
    order = order_services.order_place(reservation_id=hold.pk, email="a@b.c")
    order_services.order_fulfil(order_id=order.pk, actor="clerk")

    west, east = level(sku, "WEST"), level(sku, "EAST")
    assert (west.on_hand, west.reserved, west.committed) == (0, 0, 0)
    assert (east.on_hand, east.reserved, east.committed) == (3, 0, 0)
    assert LedgerEntry.objects.filter(level__sku=sku).count() == 2 + 2 + 2 + 2
