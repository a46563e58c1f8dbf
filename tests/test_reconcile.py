import pytest
from django.core.management import call_command

from inventory import services
from inventory.models import StockLevel
from orders import services as order_services

pytestmark = pytest.mark.postgres


def test_it_finds_no_drift_after_a_day_of_trading(make_sku, capsys):
    sku = make_sku("DESK-R", EAST=10, WEST=4)
    held = services.reservation_create(lines=[(sku.code, 6)], ship_to="EAST")
    services.reservation_create(lines=[(sku.code, 3)])
    order = order_services.order_place(reservation_id=held.pk, email="a@b.co")
    order_services.order_fulfil(
        order_id=order.pk, lines=[{"sku": sku.code, "quantity": 2}]
    )
    services.stock_adjust(
        sku_code=sku.code, warehouse_code="WEST", counted=7, reason="count", actor="t"
    )

    call_command("reconcile")

    assert "no drift" in capsys.readouterr().out


def test_it_names_each_drift_and_exits_non_zero(make_sku, capsys):
    sku = make_sku("LAMP-R", EAST=10)
    services.reservation_create(lines=[(sku.code, 2)])
    StockLevel.objects.filter(sku=sku, warehouse__code="EAST").update(
        on_hand=11, reserved=0
    )

    with pytest.raises(SystemExit) as exit_:
        call_command("reconcile")

    assert exit_.value.code == 1
    out = capsys.readouterr().out
    assert "LAMP-R@EAST: on_hand is 11, expected 10 from the ledger" in out
    assert "LAMP-R@EAST: reserved is 0, expected 2 from the ledger" in out
    assert "LAMP-R@EAST: reserved is 0, expected 2 from live holds" in out
