"""POST /api/v1/orders, and an order's cancel, fulfil and returns calls."""

import uuid

import pytest

from inventory import services
from inventory.models import LedgerEntry, Reservation
from orders.models import Order
from tests.conftest import level

pytestmark = pytest.mark.django_db

ORDERS = "/api/v1/orders"


def figures(sku, warehouse: str = "EAST") -> tuple[int, int, int, int]:
    lv = level(sku, warehouse)
    return lv.on_hand, lv.reserved, lv.committed, lv.available


def hold(code: str = "DESK-1", quantity: int = 4, **kwargs) -> str:
    reservation = services.reservation_create(lines=[(code, quantity)], **kwargs)
    return str(reservation.pk)


@pytest.fixture
def desk(make_sku):
    return make_sku("DESK-1", EAST=5)


@pytest.fixture
def order(api, desk) -> dict:
    response = api.post(
        ORDERS, {"reservation": hold(), "email": "ann@example.com"}, format="json"
    )
    assert response.status_code == 201
    return response.json()


def test_it_places_an_order_from_a_live_hold(api, desk):
    reservation_id = hold(quantity=4)

    response = api.post(
        ORDERS,
        {"reservation": reservation_id, "email": "ann@example.com"},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["id"] == str(Order.objects.get().pk)
    assert body["status"] == "placed"
    assert body["lines"] == [
        {
            "sku": "DESK-1",
            "warehouse": "EAST",
            "quantity": 4,
            "shipped": 0,
            "cancelled": 0,
            "returned": 0,
        }
    ]
    assert figures(desk) == (5, 0, 4, 1)


def test_it_refuses_a_hold_that_lapsed(api, desk):
    reservation_id = hold(quantity=4, ttl_seconds=0)

    response = api.post(
        ORDERS, {"reservation": reservation_id, "email": "a@example.com"}, format="json"
    )

    assert response.status_code == 409
    assert response.json() == {
        "error": "reservation_expired",
        "detail": "this reservation has expired",
    }
    assert Order.objects.count() == 0
    assert level(desk).committed == 0


def test_it_refuses_a_released_hold(api, desk):
    reservation_id = hold(quantity=2)
    api.delete(f"/api/v1/reservations/{reservation_id}")

    response = api.post(
        ORDERS, {"reservation": reservation_id, "email": "a@example.com"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["error"] == "reservation_expired"
    assert figures(desk) == (5, 0, 0, 5)


def test_it_refuses_a_hold_used_already(api, order, desk):
    reservation_id = str(Reservation.objects.get().pk)

    response = api.post(
        ORDERS, {"reservation": reservation_id, "email": "b@example.com"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["error"] == "reservation_used"
    assert Order.objects.count() == 1
    assert figures(desk) == (5, 0, 4, 1)


def test_it_answers_404_for_an_unknown_reservation(api, desk):
    response = api.post(
        ORDERS,
        {"reservation": str(uuid.uuid4()), "email": "a@example.com"},
        format="json",
    )

    assert response.status_code == 404
    assert response.json()["error"] == "unknown_reservation"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"email": "a@example.com"},
        {"reservation": "not-a-uuid", "email": "a@example.com"},
        {"reservation": 12, "email": "a@example.com"},
        {"reservation": "HOLD"},
        {"reservation": "HOLD", "email": "not-an-email"},
        {"reservation": "HOLD", "email": 5},
        {"reservation": "HOLD", "email": "a" * 250 + "@example.com"},
    ],
)
def test_it_refuses_a_bad_order_body_and_changes_nothing(api, desk, body):
    reservation_id = hold(quantity=2)
    if body.get("reservation") == "HOLD":
        body["reservation"] = reservation_id

    response = api.post(ORDERS, body, format="json")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert Order.objects.count() == 0
    assert Reservation.objects.get().status == "active"
    assert figures(desk) == (5, 2, 0, 3)


def test_it_cancels_an_order_and_gives_the_stock_back(api, order, desk):
    response = api.post(f"{ORDERS}/{order['id']}/cancel")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "cancelled"
    assert body["lines"][0]["cancelled"] == 4
    assert figures(desk) == (5, 0, 0, 5)


def test_it_gives_the_stock_back_once_when_cancelled_twice(api, order, desk):
    first = api.post(f"{ORDERS}/{order['id']}/cancel")
    second = api.post(f"{ORDERS}/{order['id']}/cancel")

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json()["status"] == "cancelled"
    assert LedgerEntry.objects.filter(reason="cancel").count() == 1
    assert figures(desk) == (5, 0, 0, 5)


@pytest.mark.parametrize("order_id", [str(uuid.uuid4()), "nope", "12"])
def test_it_answers_404_when_cancelling_an_unknown_order(api, desk, order_id):
    response = api.post(f"{ORDERS}/{order_id}/cancel")

    assert response.status_code == 404
    assert response.json()["error"] == "unknown_order"


def test_it_ships_part_then_cancel_releases_only_the_rest(staff_api, api, order, desk):
    shipped = staff_api.post(
        f"{ORDERS}/{order['id']}/fulfil",
        {"lines": [{"sku": "DESK-1", "quantity": 1}]},
        format="json",
    )

    assert shipped.status_code == 200
    assert shipped.json()["status"] == "partially_fulfilled"
    assert figures(desk) == (4, 0, 3, 1)

    cancelled = api.post(f"{ORDERS}/{order['id']}/cancel")

    assert cancelled.status_code == 200
    line = cancelled.json()["lines"][0]
    assert (line["quantity"], line["shipped"], line["cancelled"]) == (4, 1, 3)
    assert figures(desk) == (4, 0, 0, 4)


def test_it_ships_a_whole_order_with_no_body(staff_api, order, desk):
    response = staff_api.post(f"{ORDERS}/{order['id']}/fulfil")

    assert response.status_code == 200
    assert response.json()["status"] == "fulfilled"
    assert response.json()["lines"][0]["shipped"] == 4
    assert figures(desk) == (1, 0, 0, 1)


def test_it_refuses_to_ship_or_cancel_a_shipped_order(staff_api, api, order, desk):
    staff_api.post(f"{ORDERS}/{order['id']}/fulfil", {}, format="json")

    again = staff_api.post(f"{ORDERS}/{order['id']}/fulfil")
    cancel = api.post(f"{ORDERS}/{order['id']}/cancel")

    assert (again.status_code, cancel.status_code) == (409, 409)
    assert again.json()["error"] == "order_state_conflict"
    assert cancel.json()["error"] == "order_state_conflict"
    assert figures(desk) == (1, 0, 0, 1)


def test_it_refuses_to_ship_more_than_is_open(staff_api, order, desk):
    response = staff_api.post(
        f"{ORDERS}/{order['id']}/fulfil",
        {"lines": [{"sku": "DESK-1", "quantity": 5}]},
        format="json",
    )

    assert response.status_code == 409
    assert response.json() == {
        "error": "fulfilment_exceeds_open",
        "detail": "DESK-1: 5 asked for, 4 possible",
        "lines": [{"sku": "DESK-1", "requested": 5, "available": 4}],
    }
    assert figures(desk) == (5, 0, 4, 1)


@pytest.mark.parametrize(
    "body",
    [
        {"lines": []},
        {"lines": "DESK-1"},
        {"lines": [{"sku": "DESK-1", "quantity": 1.0}]},
        {"lines": [{"sku": "DESK-1", "quantity": True}]},
        {"lines": [{"sku": "OTHER-1", "quantity": 1}]},
    ],
)
def test_it_refuses_a_bad_shipment(staff_api, order, desk, body):
    response = staff_api.post(f"{ORDERS}/{order['id']}/fulfil", body, format="json")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert figures(desk) == (5, 0, 4, 1)


def test_it_takes_returns_by_condition(staff_api, order, desk):
    staff_api.post(f"{ORDERS}/{order['id']}/fulfil")
    lines = [
        {"sku": "DESK-1", "quantity": 1, "condition": "resellable"},
        {"sku": "DESK-1", "quantity": 2, "condition": "refurbished"},
        {"sku": "DESK-1", "quantity": 1, "condition": "damaged"},
    ]

    response = staff_api.post(
        f"{ORDERS}/{order['id']}/returns", {"lines": lines}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert body["order"] == order["id"]
    assert sorted((ln["condition"], ln["quantity"]) for ln in body["lines"]) == [
        ("damaged", 1),
        ("refurbished", 2),
        ("resellable", 1),
    ]
    assert figures(desk) == (2, 0, 0, 2)
    assert figures("DESK-1-R") == (2, 0, 0, 2)


def test_it_refuses_a_second_return_beyond_what_shipped(staff_api, order, desk):
    staff_api.post(
        f"{ORDERS}/{order['id']}/fulfil",
        {"lines": [{"sku": "DESK-1", "quantity": 2}]},
        format="json",
    )
    url = f"{ORDERS}/{order['id']}/returns"
    one_back = {"lines": [{"sku": "DESK-1", "quantity": 2, "condition": "resellable"}]}
    staff_api.post(url, one_back, format="json")

    response = staff_api.post(url, one_back, format="json")

    assert response.status_code == 409
    assert response.json()["error"] == "return_exceeds_shipped"
    assert response.json()["lines"] == [
        {"sku": "DESK-1", "requested": 2, "available": 0}
    ]
    assert figures(desk) == (5, 0, 2, 3)


def test_it_refuses_a_return_in_an_unknown_condition(staff_api, order, desk):
    staff_api.post(f"{ORDERS}/{order['id']}/fulfil")
    lines = [{"sku": "DESK-1", "quantity": 1, "condition": "like new"}]

    response = staff_api.post(
        f"{ORDERS}/{order['id']}/returns", {"lines": lines}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert figures(desk) == (1, 0, 0, 1)


@pytest.mark.parametrize("action", ["fulfil", "returns"])
def test_it_answers_401_to_staff_calls_without_a_token(api, order, desk, action):
    response = api.post(f"{ORDERS}/{order['id']}/{action}", {}, format="json")

    assert response.status_code == 401
    assert response.json() == {
        "error": "not_authenticated",
        "detail": "Authentication credentials were not provided.",
    }
    assert figures(desk) == (5, 0, 4, 1)


@pytest.mark.parametrize("action", ["fulfil", "returns"])
def test_it_answers_403_to_staff_calls_from_a_customer(
    customer_api, order, desk, action
):
    response = customer_api.post(f"{ORDERS}/{order['id']}/{action}", {}, format="json")

    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"
    assert figures(desk) == (5, 0, 4, 1)


def test_it_answers_401_to_a_bad_token(api, order, desk):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-token")

    response = api.post(f"{ORDERS}/{order['id']}/fulfil")

    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"
