"""The admin: every list renders, and stock is read-only in it."""

from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import Sku
from inventory import services
from inventory.models import LedgerEntry, StockEvent, StockLevel
from orders import services as order_services
from tests.conftest import level, opened_form

pytestmark = pytest.mark.django_db

STOCK_FIELDS = (
    "on_hand",
    "reserved",
    "committed",
    "safety_stock",
    "incoming",
    "restock_eta",
    "version",
)
READ_ONLY_MODELS = [
    "inventory_warehouse",
    "inventory_stocklevel",
    "inventory_reservation",
    "inventory_ledgerentry",
    "inventory_stockevent",
    "orders_order",
    "orders_return",
]


@pytest.fixture
def shop(make_sku):
    """A SKU with a live hold, a placed order and a partial return."""
    sku = make_sku("DESK-1", threshold=2, EAST=5, WEST=3)
    services.reservation_create(lines=[(sku.code, 1)], ship_to="WEST")
    hold = services.reservation_create(lines=[(sku.code, 2)], ship_to="EAST")
    order = order_services.order_place(reservation_id=hold.pk, email="a@b.example")
    order_services.order_fulfil(order_id=order.pk, actor="clerk")
    order_services.order_return(
        order_id=order.pk,
        lines=[{"sku": sku.code, "quantity": 1, "condition": "refurbished"}],
        actor="clerk",
    )
    return {"sku": sku, "hold": hold, "order": order}


def changelist(model: str) -> str:
    return reverse(f"admin:{model}_changelist")


@pytest.mark.parametrize("model", ["catalog_sku", *READ_ONLY_MODELS])
def test_it_renders_each_changelist_with_data(admin_client, shop, model):
    response = admin_client.get(changelist(model))

    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


@pytest.mark.parametrize(
    "model, query",
    [
        ("orders_order", "a@b.example"),
        ("orders_order", "DESK-1"),
        ("inventory_reservation", "DESK"),
        ("inventory_stockevent", "DESK-1-R"),
        ("catalog_sku", "desk-1-r"),
    ],
)
def test_it_searches_each_list(admin_client, shop, model, query):
    response = admin_client.get(changelist(model), {"q": query})

    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


def test_it_searches_orders_by_id(admin_client, shop):
    order_id = str(shop["order"].pk)

    response = admin_client.get(changelist("orders_order"), {"q": order_id[:8]})

    assert [str(o.pk) for o in response.context["cl"].result_list] == [order_id]


def test_it_lists_levels_with_their_figures(admin_client, shop, warehouses):
    east = warehouses["EAST"].pk
    response = admin_client.get(
        changelist("inventory_stocklevel"), {"warehouse__id__exact": east}
    )
    page = response.content.decode()

    rows = list(response.context["cl"].result_list)
    assert [(lv.sku.code, lv.warehouse.code) for lv in rows] == [
        ("DESK-1", "EAST"),
        ("DESK-1-R", "EAST"),
    ]
    for column in ("on_hand", "reserved", "committed", "available", "version"):
        assert f"column-{column}" in page


def test_it_filters_the_ledger_by_reason_and_searches_by_sku(admin_client, shop):
    by_reason = admin_client.get(
        changelist("inventory_ledgerentry"), {"reason": "sale"}
    )
    by_sku = admin_client.get(changelist("inventory_ledgerentry"), {"q": "DESK-1-R"})

    sales = list(by_reason.context["cl"].result_list)
    assert [(e.reason, e.committed_delta) for e in sales] == [("sale", 2)]
    returned = list(by_sku.context["cl"].result_list)
    assert [(e.reason, e.on_hand_delta) for e in returned] == [("return", 1)]


def test_it_shows_a_hold_and_an_order_with_their_lines(admin_client, shop):
    hold_page = admin_client.get(
        reverse("admin:inventory_reservation_change", args=[shop["hold"].pk])
    )
    order_page = admin_client.get(
        reverse("admin:orders_order_change", args=[shop["order"].pk])
    )

    assert hold_page.status_code == 200
    assert order_page.status_code == 200
    assert "DESK-1" in order_page.content.decode()
    assert "EAST" in order_page.content.decode()


def test_it_shows_stock_figures_without_inputs(admin_client, shop):
    east = level("DESK-1", "EAST")

    page = admin_client.get(
        reverse("admin:inventory_stocklevel_change", args=[east.pk])
    ).content.decode()

    for field in STOCK_FIELDS:
        assert f'name="{field}"' not in page
    assert "View stock level" in page
    assert "Save" not in page


@pytest.mark.parametrize("model", READ_ONLY_MODELS)
def test_it_refuses_to_add_or_delete_stock_rows(admin_client, shop, model):
    assert admin_client.get(reverse(f"admin:{model}_add")).status_code == 403


def test_it_refuses_a_posted_change_to_a_level(admin_client, shop):
    east = level("DESK-1", "EAST")
    url = reverse("admin:inventory_stocklevel_change", args=[east.pk])

    response = admin_client.post(url, {"on_hand": 999, "reserved": 0})
    delete = admin_client.post(
        reverse("admin:inventory_stocklevel_delete", args=[east.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert delete.status_code == 403
    after = level("DESK-1", "EAST")
    assert (after.on_hand, after.reserved, after.committed) == (3, 0, 0)
    assert after.version == east.version


def test_it_keeps_ledger_and_events_append_only(admin_client, shop):
    entry = LedgerEntry.objects.first()
    event = StockEvent.objects.first()

    ledger = admin_client.post(
        reverse("admin:inventory_ledgerentry_change", args=[entry.pk]),
        {"on_hand_delta": 100},
    )
    events = admin_client.post(
        reverse("admin:inventory_stockevent_delete", args=[event.pk]), {"post": "yes"}
    )

    assert (ledger.status_code, events.status_code) == (403, 403)
    assert LedgerEntry.objects.get(pk=entry.pk).on_hand_delta == entry.on_hand_delta
    assert StockEvent.objects.filter(pk=event.pk).exists()


def test_it_edits_a_skus_price_without_touching_its_sequence(admin_client, shop):
    sku = Sku.objects.get(code="DESK-1")
    url = reverse("admin:catalog_sku_change", args=[sku.pk])
    form = opened_form(admin_client, url)
    # A stock change lands while the form is open.
    services.reservation_create(lines=[("DESK-1", 1)])

    response = admin_client.post(
        url, {**form, "name": "Standing desk", "list_price": "12.50"}
    )

    after = Sku.objects.get(pk=sku.pk)
    assert response.status_code == 302
    assert (after.name, after.list_price) == ("Standing desk", Decimal("12.50"))
    assert after.sequence == sku.sequence + 1
    assert StockLevel.objects.filter(sku=sku).count() == 4


def test_it_refuses_to_add_or_delete_a_sku(admin_client, shop):
    sku = Sku.objects.get(code="DESK-1")

    added = admin_client.get(reverse("admin:catalog_sku_add"))
    deleted = admin_client.get(reverse("admin:catalog_sku_delete", args=[sku.pk]))

    assert (added.status_code, deleted.status_code) == (403, 403)


def test_the_roles_exist_with_their_permissions():
    from django.contrib.auth.models import Group

    clerks = Group.objects.get(name="Clerks")
    managers = Group.objects.get(name="Managers")

    clerk_codes = set(clerks.permissions.values_list("codename", flat=True))
    manager_codes = set(managers.permissions.values_list("codename", flat=True))
    assert {"receive_stock", "count_stock"} <= clerk_codes
    assert not {"adjust_stock", "transfer_stock", "write_off_stock"} & clerk_codes
    assert {"adjust_stock", "transfer_stock", "add_vendor"} <= manager_codes
    assert clerk_codes < manager_codes


def test_a_stale_sku_form_never_puts_an_old_value_back(admin_client, shop):
    sku = Sku.objects.get(code="DESK-1")
    url = reverse("admin:catalog_sku_change", args=[sku.pk])
    first = opened_form(admin_client, url)
    second = opened_form(admin_client, url)
    admin_client.post(url, {**first, "low_stock_threshold": 25})

    renamed = admin_client.post(url, {**second, "name": "Renamed desk"})
    stale = admin_client.post(url, {**second, "low_stock_threshold": 7})

    after = Sku.objects.get(pk=sku.pk)
    assert renamed.status_code == 302
    assert stale.status_code == 200
    assert "Someone changed this" in stale.content.decode()
    assert (after.name, after.low_stock_threshold) == ("Renamed desk", 25)


def test_a_damaged_opened_value_is_a_form_error(admin_client, shop):
    sku = Sku.objects.get(code="DESK-1")
    url = reverse("admin:catalog_sku_change", args=[sku.pk])
    form = opened_form(admin_client, url)

    answer = admin_client.post(url, {**form, "opened": "x", "name": "Other"})

    assert answer.status_code == 200
    assert Sku.objects.get(pk=sku.pk).name == sku.name
