"""Restock suggestions from a hand-made demand history, and the admin
action that orders them."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from inventory import purchasing, restock, services, tasks
from inventory.models import PurchaseOrder, RestockSuggestion, StockLevel
from inventory.roles import CLERKS, MANAGERS
from orders import services as order_services
from orders.models import Order
from tests.conftest import level

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:inventory_restocksuggestion_changelist"


def sell(code: str, warehouse: str, quantity: int, *, days_ago: int, then=None):
    """Place an order dated ``days_ago``; ship it, cancel it or leave it."""
    hold = services.reservation_create(lines=[(code, quantity)], ship_to=warehouse)
    order = order_services.order_place(reservation_id=hold.pk, email="a@b.example")
    if then == "ship":
        order_services.order_fulfil(order_id=order.pk, actor="clerk")
    elif then == "cancel":
        order_services.order_cancel(order_id=order.pk, actor="clerk")
    # The history is made by hand: the order is dated back.
    moment = timezone.now() - timedelta(days=days_ago)
    Order.objects.filter(pk=order.pk).update(created_at=moment)
    return order


@pytest.fixture(autouse=True)
def policy(settings):
    settings.RESTOCK_DEMAND_DAYS = 28
    settings.RESTOCK_LEAD_TIME_DAYS = 7
    settings.RESTOCK_REVIEW_DAYS = 7


@pytest.fixture
def paper(make_sku):
    """Four weeks of demand in EAST, CENTRAL and SOUTH; none in WEST.

    EAST: 36 + 20 units in the window (the 20 still committed), 30 sold
    before it, 10 cancelled; 34 on hand, safety stock 5.
    CENTRAL: 3 sold, none left. SOUTH: 14 sold, 36 left.
    """
    sku = make_sku("PAPER-1", EAST=100, CENTRAL=3, SOUTH=50, WEST=3)
    sell("PAPER-1", "EAST", 30, days_ago=40, then="ship")
    sell("PAPER-1", "EAST", 36, days_ago=20, then="ship")
    sell("PAPER-1", "EAST", 20, days_ago=3)
    sell("PAPER-1", "EAST", 10, days_ago=5, then="cancel")
    sell("PAPER-1", "CENTRAL", 3, days_ago=2, then="ship")
    sell("PAPER-1", "SOUTH", 14, days_ago=5, then="ship")
    # Safety stock is set by hand too; the suggestion must count it.
    StockLevel.objects.filter(pk=level(sku, "EAST").pk).update(safety_stock=5)
    twin = level("PAPER-1-R", "EAST")
    StockLevel.objects.filter(pk=twin.pk).update(safety_stock=2)
    return sku


def listed() -> dict[str, tuple]:
    return {
        s.level.warehouse.code: (
            s.demand,
            s.daily_demand,
            s.safety_stock,
            s.position,
            s.reorder_point,
            s.order_up_to,
            s.quantity,
        )
        for s in RestockSuggestion.objects.select_related("level__warehouse")
    }


def test_it_suggests_exact_quantities_from_the_demand_history(paper):
    east = level(paper, "EAST")
    assert (east.on_hand, east.committed, east.safety_stock) == (34, 20, 5)

    count = restock.suggestions_refresh()

    assert count == 2
    assert listed() == {
        # 56 units over 28 days: 2 a day; 14 + 5 to reorder, up to 28 + 5.
        "EAST": (56, Decimal("2.00"), 5, 14, 19, 33, 19),
        # 3 units: ceil(21 / 28) = 1 to reorder, up to ceil(42 / 28) = 2.
        "CENTRAL": (3, Decimal("0.11"), 0, 0, 1, 2, 2),
    }


def test_it_suggests_nothing_for_a_refurbished_twin(paper):
    restock.suggestions_refresh()

    assert not RestockSuggestion.objects.filter(level__sku__code="PAPER-1-R").exists()


def test_incoming_stock_counts_toward_the_position(paper):
    purchasing.po_open(
        po_id=purchasing.po_create(
            lines=[(level(paper, "EAST").pk, 3, timezone.localdate())],
            actor="buyer",
        ).pk,
        actor="buyer",
    )

    restock.suggestions_refresh()

    # 34 on hand - 20 committed + 3 incoming.
    assert listed()["EAST"] == (56, Decimal("2.00"), 5, 17, 19, 33, 16)


def test_a_refresh_keeps_the_rows_still_needed_and_drops_the_rest(paper):
    restock.suggestions_refresh()
    east = RestockSuggestion.objects.get(level__warehouse__code="EAST")
    central = level(paper, "CENTRAL")
    po = purchasing.po_create(
        lines=[(central.pk, 2, timezone.localdate())], actor="buyer"
    )
    purchasing.po_open(po_id=po.pk, actor="buyer")

    tasks.restock_suggestions_refresh()

    assert list(RestockSuggestion.objects.values_list("pk", flat=True)) == [east.pk]


def test_the_refresh_runs_on_a_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["refresh-restock-suggestions"]

    assert entry["task"] == "inventory.tasks.restock_suggestions_refresh"


def staff(django_user_model, name: str, role: str):
    user = django_user_model.objects.create_user(
        name, password=f"pw-{name}", is_staff=True
    )
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def manager_client(client, django_user_model):
    client.force_login(staff(django_user_model, "stockmanager", MANAGERS))
    return client


def order_chosen(client, *suggestions):
    return client.post(
        reverse(CHANGELIST),
        {
            "action": "order_chosen",
            "_selected_action": [s.pk for s in suggestions],
        },
    )


def test_the_action_opens_a_purchase_order_of_the_suggested_quantities(
    manager_client, paper
):
    restock.suggestions_refresh()
    chosen = list(RestockSuggestion.objects.all())

    response = order_chosen(manager_client, *chosen)

    po = PurchaseOrder.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:inventory_purchaseorder_change", args=[po.pk]
    )
    assert (po.status, po.created_by) == (PurchaseOrder.Status.OPEN, "stockmanager")
    expected_on = timezone.localdate() + timedelta(days=7)
    lines = {
        ln.level.warehouse.code: (ln.quantity, ln.expected_on)
        for ln in po.lines.select_related("level__warehouse")
    }
    assert lines == {"EAST": (19, expected_on), "CENTRAL": (2, expected_on)}
    east, central = level(paper, "EAST"), level(paper, "CENTRAL")
    assert (east.incoming, east.restock_eta) == (19, expected_on)
    assert (central.incoming, central.restock_eta) == (2, expected_on)
    assert RestockSuggestion.objects.count() == 0
    assert restock.suggestions_refresh() == 0


def test_the_action_orders_only_what_is_still_missing(manager_client, paper):
    restock.suggestions_refresh()
    east = RestockSuggestion.objects.get(level__warehouse__code="EAST")
    # Another manager ordered 3 after the list was computed.
    po = purchasing.po_create(
        lines=[(east.level_id, 3, timezone.localdate())], actor="buyer"
    )
    purchasing.po_open(po_id=po.pk, actor="buyer")

    order_chosen(manager_client, east)

    newest = PurchaseOrder.objects.exclude(pk=po.pk).get()
    assert [ln.quantity for ln in newest.lines.all()] == [16]
    assert level(paper, "EAST").incoming == 19


def test_the_action_orders_nothing_when_stock_on_its_way_covers_it(
    manager_client, paper
):
    restock.suggestions_refresh()
    east = RestockSuggestion.objects.get(level__warehouse__code="EAST")
    po = purchasing.po_create(
        lines=[(east.level_id, 19, timezone.localdate())], actor="buyer"
    )
    purchasing.po_open(po_id=po.pk, actor="buyer")

    response = order_chosen(manager_client, east)

    assert response.status_code == 302
    notes = [str(m) for m in response.wsgi_request._messages]
    assert notes == ["stock already on its way covers every chosen suggestion"]
    assert PurchaseOrder.objects.count() == 1
    assert level(paper, "EAST").incoming == 19
    assert RestockSuggestion.objects.filter(pk=east.pk).exists()


def test_the_list_filters_by_warehouse_and_category(manager_client, paper, warehouses):
    restock.suggestions_refresh()

    by_warehouse = manager_client.get(
        reverse(CHANGELIST), {"level__warehouse__id__exact": warehouses["EAST"].pk}
    )
    by_category = manager_client.get(
        reverse(CHANGELIST), {"level__sku__category": "Office Supplies"}
    )

    assert [s.quantity for s in by_warehouse.context["cl"].result_list] == [19]
    assert by_category.context["cl"].result_count == 2
    assert "Recompute now" in by_category.content.decode()


def test_a_manager_recomputes_the_list_from_the_admin(manager_client, paper):
    url = reverse("admin:inventory_restocksuggestion_refresh")

    looked = manager_client.get(url)
    response = manager_client.post(url)

    assert (looked.status_code, response.status_code) == (403, 302)
    assert RestockSuggestion.objects.count() == 2


def test_a_clerk_neither_sees_nor_orders_suggestions(client, django_user_model, paper):
    client.force_login(staff(django_user_model, "stockclerk", CLERKS))
    restock.suggestions_refresh()

    listing = client.get(reverse(CHANGELIST))
    ordering = order_chosen(client, *RestockSuggestion.objects.all())
    refreshing = client.post(reverse("admin:inventory_restocksuggestion_refresh"))

    assert (listing.status_code, ordering.status_code) == (403, 403)
    assert refreshing.status_code == 403
    assert PurchaseOrder.objects.count() == 0
