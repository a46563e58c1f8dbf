"""POST /api/v1/stock/adjustments (staff)."""

import pytest

from inventory.models import LedgerEntry
from tests.conftest import level

pytestmark = pytest.mark.django_db

URL = "/api/v1/stock/adjustments"


@pytest.fixture
def desk(make_sku):
    return make_sku("DESK-1", EAST=5)


def adjust(client, **fields):
    body = {"sku": "DESK-1", "warehouse": "EAST", "reason": "adjustment", **fields}
    return client.post(URL, body, format="json")


def test_it_adds_a_delta_and_answers_the_new_level(staff_api, desk):
    response = adjust(staff_api, delta=3, reason="found")

    assert response.status_code == 201
    assert response.json() == {
        "sku": "DESK-1",
        "warehouse": "EAST",
        "available": 8,
        "on_hand": 8,
        "reserved": 0,
        "committed": 0,
        "safety_stock": 0,
        "incoming": 0,
        "restock_eta": None,
        "version": 2,
    }
    entry = LedgerEntry.objects.filter(level__sku=desk).latest("id")
    assert (entry.reason, entry.on_hand_delta, entry.actor) == ("found", 3, "clerk")


def test_it_sets_on_hand_to_a_count(staff_api, desk):
    response = adjust(staff_api, counted=2, reason="count")

    assert response.status_code == 201
    assert (response.json()["on_hand"], response.json()["available"]) == (2, 2)
    entry = LedgerEntry.objects.filter(level__sku=desk).latest("id")
    assert (entry.reason, entry.on_hand_delta) == ("count", -3)


def test_it_changes_nothing_for_a_count_that_matches(staff_api, desk):
    response = adjust(staff_api, counted=5, reason="count")

    assert response.status_code == 201
    assert (response.json()["on_hand"], response.json()["version"]) == (5, 1)


def test_it_applies_a_change_made_from_current_figures(staff_api, desk):
    response = adjust(staff_api, delta=-2, reason="damage", expected_version=1)

    assert response.status_code == 201
    assert (response.json()["on_hand"], response.json()["version"]) == (3, 2)


def test_it_refuses_a_change_made_from_stale_figures(staff_api, desk):
    adjust(staff_api, delta=1)

    response = adjust(staff_api, delta=-2, reason="loss", expected_version=1)

    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "version_conflict"
    assert (body["current"]["on_hand"], body["current"]["version"]) == (6, 2)
    assert (level(desk).on_hand, level(desk).version) == (6, 2)


def test_it_refuses_to_take_on_hand_below_zero(staff_api, desk):
    response = adjust(staff_api, delta=-6, reason="loss")

    assert response.status_code == 409
    assert response.json() == {
        "error": "insufficient_stock",
        "detail": "only 5 on hand",
        "lines": [{"sku": "DESK-1", "requested": 6, "on_hand": 5}],
    }
    assert (level(desk).on_hand, level(desk).version) == (5, 1)


@pytest.mark.parametrize(
    "fields",
    [
        {"delta": 1, "reason": "sale"},
        {"delta": 1, "reason": ""},
        {"delta": 1, "reason": 5},
        {"delta": 1, "reason": None},
        {"delta": 1, "reason": ["count"]},
        {"delta": 1, "counted": 4},
        {},
        {"delta": 0},
        {"delta": "1"},
        {"delta": 1.5},
        {"delta": 1.0},
        {"delta": True},
        {"delta": None},
        {"delta": 2_000_000},
        {"counted": -1},
        {"counted": "4"},
        {"delta": 1, "expected_version": "1"},
        {"delta": 1, "expected_version": 1.0},
        {"delta": 1, "warehouse": "MARS"},
        {"delta": 1, "warehouse": 5},
        {"delta": 1, "sku": 5},
    ],
)
def test_it_refuses_a_bad_adjustment_and_changes_nothing(staff_api, desk, fields):
    response = adjust(staff_api, **fields)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert (level(desk).on_hand, level(desk).version) == (5, 1)


def test_it_refuses_a_reason_missing_from_the_body(staff_api, desk):
    body = {"sku": "DESK-1", "warehouse": "EAST", "delta": 1}

    response = staff_api.post(URL, body, format="json")

    assert response.status_code == 400
    assert response.json()["fields"] == {"reason": "This field is required."}


def test_it_answers_404_for_an_unknown_sku(staff_api, desk):
    response = adjust(staff_api, sku="NOPE-1", delta=1)

    assert response.status_code == 404
    assert response.json()["error"] == "unknown_sku"


def test_it_answers_401_without_a_token(api, desk):
    response = adjust(api, delta=1)

    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"
    assert level(desk).on_hand == 5


def test_it_answers_403_to_a_customer(customer_api, desk):
    response = adjust(customer_api, delta=1)

    assert response.status_code == 403
    assert response.json() == {
        "error": "forbidden",
        "detail": "You do not have permission to perform this action.",
    }
    assert level(desk).on_hand == 5


@pytest.mark.parametrize("key", ["abc\x00def", "a" * 41])
def test_it_answers_401_to_a_token_no_user_can_have(api, desk, key):
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    response = adjust(api, delta=1)

    assert response.status_code == 401
    assert response.json() == {"error": "not_authenticated", "detail": "Invalid token."}
    assert level(desk).on_hand == 5
