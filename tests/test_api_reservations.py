"""POST /api/v1/reservations and DELETE /api/v1/reservations/{id}."""

import json
import threading
import uuid
from datetime import datetime, timedelta

import pytest
from django.db import connection
from rest_framework.test import APIClient

from inventory.models import LedgerEntry, Reservation
from orders import services as order_services
from tests.conftest import level

pytestmark = pytest.mark.django_db

URL = "/api/v1/reservations"


def post_raw(api, text: str, **headers):
    return api.post(URL, data=text, content_type="application/json", **headers)


def one_line(quantity_json: str, sku: str = "DESK-1") -> str:
    return f'{{"lines": [{{"sku": "{sku}", "quantity": {quantity_json}}}]}}'


def assert_nothing_held(sku_code: str = "DESK-1") -> None:
    assert Reservation.objects.count() == 0
    for warehouse in ("CENTRAL", "EAST", "SOUTH", "WEST"):
        assert level(sku_code, warehouse).reserved == 0


@pytest.fixture
def desk(make_sku):
    return make_sku("DESK-1", EAST=5, WEST=3)


def test_it_holds_stock_and_answers_201(api, desk):
    response = api.post(
        URL, {"lines": [{"sku": "DESK-1", "quantity": 2}]}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    hold = Reservation.objects.get()
    assert body["id"] == str(hold.pk)
    assert body["status"] == "active"
    assert body["lines"] == [{"sku": "DESK-1", "warehouse": "EAST", "quantity": 2}]
    expires_at = datetime.fromisoformat(body["expires_at"])
    assert expires_at == hold.expires_at
    assert hold.expires_at - hold.created_at == pytest.approx(
        timedelta(seconds=900), abs=timedelta(seconds=1)
    )
    assert (level(desk, "EAST").reserved, level(desk, "EAST").available) == (2, 3)


def test_it_adds_lines_of_one_sku_and_splits_from_the_home_warehouse(api, desk):
    lines = [{"sku": "DESK-1", "quantity": 3}, {"sku": "DESK-1", "quantity": 2}]

    response = api.post(URL, {"lines": lines, "ship_to": "west"}, format="json")

    assert response.status_code == 201
    assert response.json()["lines"] == [
        {"sku": "DESK-1", "warehouse": "WEST", "quantity": 3},
        {"sku": "DESK-1", "warehouse": "EAST", "quantity": 2},
    ]
    assert (level(desk, "WEST").reserved, level(desk, "EAST").reserved) == (3, 2)


def test_it_holds_no_line_when_one_is_short(api, desk, make_sku):
    make_sku("CHAIR-1", EAST=1)
    lines = [{"sku": "DESK-1", "quantity": 2}, {"sku": "CHAIR-1", "quantity": 4}]

    response = api.post(URL, {"lines": lines}, format="json")

    assert response.status_code == 409
    assert response.json() == {
        "error": "insufficient_stock",
        "detail": "not enough stock for every line",
        "lines": [{"sku": "CHAIR-1", "requested": 4, "available": 1}],
    }
    assert_nothing_held("DESK-1")
    assert_nothing_held("CHAIR-1")


@pytest.mark.parametrize(
    "quantity",
    [
        "true",
        "false",
        '"1"',
        "1.5",
        "1.0",
        "0",
        "-1",
        "1e12",
        "1E2",
        str(2**31),
        "10001",
        "null",
        "[1]",
        "{}",
        "NaN",
        "Infinity",
        "1" + "0" * 5000,
    ],
)
def test_it_refuses_a_bad_quantity_and_holds_nothing(api, desk, quantity):
    response = post_raw(api, one_line(quantity))

    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert response.json()["detail"]
    assert_nothing_held()


def test_it_names_the_bad_field(api, desk):
    response = post_raw(api, one_line("0"))

    assert response.json() == {
        "error": "invalid",
        "detail": "lines.0.quantity: quantity must be a whole number from 1 to 10000",
        "fields": {
            "lines.0.quantity": "quantity must be a whole number from 1 to 10000"
        },
    }


def test_it_refuses_two_lines_of_one_sku_above_10000_together(api, make_sku):
    make_sku("DESK-1", EAST=10_000, WEST=10_000)
    body = {
        "lines": [
            {"sku": "DESK-1", "quantity": 6000},
            {"sku": "DESK-1", "quantity": 6000},
        ]
    }

    response = api.post(URL, body, format="json")

    assert response.status_code == 400
    assert_nothing_held()


@pytest.mark.parametrize(
    "text",
    [
        "",
        "{",
        "not json",
        "[]",
        '"lines"',
        "1",
        "null",
        "{}",
        '{"lines": {}}',
        '{"lines": "DESK-1"}',
        '{"lines": []}',
        '{"lines": [1]}',
        '{"lines": [[]]}',
        '{"lines": [{"quantity": 1}]}',
        '{"lines": [{"sku": "DESK-1"}]}',
        '{"lines": [{"sku": 5, "quantity": 1}]}',
        '{"lines": [{"sku": null, "quantity": 1}]}',
        '{"lines": [{"sku": ["DESK-1"], "quantity": 1}]}',
        '{"lines": [{"sku": "", "quantity": 1}]}',
        '{"lines": [{"sku": "NOPE-1", "quantity": 1}]}',
        '{"lines": [{"sku": "DESK-1\\u0000", "quantity": 1}]}',
        '{"lines": [{"sku": "\\ud800", "quantity": 1}]}',
        '{"lines": [{"sku": "DESK-1", "quantity": 1, "quantity": 1}]}',
        '{"lines": [{"sku": "DESK-1", "quantity": 1}], "ship_to": 5}',
        '{"lines": [{"sku": "DESK-1", "quantity": 1}], "ship_to": "MARS"}',
        '{"lines": [{"sku": "DESK-1", "quantity": 1}], "ship_to": "\\u0000"}',
        '{"lines": [{"sku": "' + "X" * 65 + '", "quantity": 1}]}',
    ],
)
def test_it_refuses_a_malformed_body_and_holds_nothing(api, desk, text):
    response = post_raw(api, text)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert isinstance(response.json()["detail"], str)
    assert_nothing_held()


@pytest.mark.parametrize("depth", [9, 100_000])
def test_it_refuses_a_body_nested_too_deeply(api, desk, depth):
    text = '{"lines": ' + "[" * depth + "]" * depth + "}"

    response = post_raw(api, text)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert_nothing_held()


def test_it_refuses_more_than_100_lines(api, desk):
    lines = [{"sku": "DESK-1", "quantity": 1}] * 101

    response = api.post(URL, {"lines": lines}, format="json")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert_nothing_held()


def test_it_refuses_a_body_over_256_kib_with_the_error_body(api, desk):
    padding = "x" * (256 * 1024)
    text = json.dumps({"lines": [{"sku": "DESK-1", "quantity": 1}], "pad": padding})

    response = post_raw(api, text)

    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid",
        "detail": "the body is larger than 262144 bytes",
    }
    assert_nothing_held()


def test_it_refuses_a_body_that_is_not_json(api, desk):
    response = api.post(URL, data="lines=1", content_type="text/plain")

    assert response.status_code == 415
    assert response.json()["error"] == "unsupported_media_type"
    assert_nothing_held()


def test_it_answers_a_retry_with_the_first_answer(api, desk):
    body = {"lines": [{"sku": "DESK-1", "quantity": 2}]}

    first = api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="cart-7")
    again = api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="cart-7")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert Reservation.objects.count() == 1
    assert level(desk, "EAST").reserved == 2


def test_it_refuses_a_key_reused_with_another_body(api, desk):
    api.post(
        URL,
        {"lines": [{"sku": "DESK-1", "quantity": 2}]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="cart-7",
    )

    response = api.post(
        URL,
        {"lines": [{"sku": "DESK-1", "quantity": 3}]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="cart-7",
    )

    assert response.status_code == 409
    assert response.json()["error"] == "idempotency_key_reused"
    assert Reservation.objects.count() == 1
    assert level(desk, "EAST").reserved == 2


def test_it_keeps_no_answer_for_a_refused_request(api, desk):
    body = {"lines": [{"sku": "DESK-1", "quantity": 8}]}
    api.post(
        URL,
        {"lines": [{"sku": "DESK-1", "quantity": 1}]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="hog",
    )
    refused = api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="cart-8")
    api.delete(f"{URL}/{Reservation.objects.get().pk}")

    retried = api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="cart-8")

    assert (refused.status_code, retried.status_code) == (409, 201)
    assert level(desk, "EAST").reserved + level(desk, "WEST").reserved == 8


@pytest.mark.parametrize("key", ["", "a\tb", "k" * 256])
def test_it_refuses_a_malformed_idempotency_key(api, desk, key):
    response = api.post(
        URL,
        {"lines": [{"sku": "DESK-1", "quantity": 1}]},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )

    assert response.status_code == 400
    assert_nothing_held()


@pytest.mark.postgres
def test_it_holds_once_when_two_requests_share_a_key_at_once(desk):
    body = {"lines": [{"sku": "DESK-1", "quantity": 2}]}
    barrier = threading.Barrier(2)
    answers = []

    def send() -> None:
        try:
            client = APIClient()
            barrier.wait(timeout=10)
            response = client.post(
                URL, body, format="json", HTTP_IDEMPOTENCY_KEY="double-click"
            )
            answers.append((response.status_code, response.json()["id"]))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(answers) == 2
    assert answers[0] == answers[1]
    assert answers[0][0] == 201
    assert Reservation.objects.count() == 1
    assert level(desk, "EAST").reserved == 2


def test_it_releases_a_hold_and_answers_204(api, desk):
    hold = api.post(
        URL, {"lines": [{"sku": "DESK-1", "quantity": 2}]}, format="json"
    ).json()

    response = api.delete(f"{URL}/{hold['id']}")

    assert response.status_code == 204
    assert response.content == b""
    assert Reservation.objects.get().status == "released"
    assert level(desk, "EAST").reserved == 0


def test_it_releases_only_once_when_asked_twice(api, desk):
    hold = api.post(
        URL, {"lines": [{"sku": "DESK-1", "quantity": 2}]}, format="json"
    ).json()

    first = api.delete(f"{URL}/{hold['id']}")
    second = api.delete(f"{URL}/{hold['id']}")

    assert (first.status_code, second.status_code) == (204, 204)
    assert LedgerEntry.objects.filter(reason="release").count() == 1
    assert level(desk, "EAST").reserved == 0
    assert level(desk, "EAST").on_hand == 5


@pytest.mark.parametrize("reservation_id", [str(uuid.uuid4()), "not-a-uuid", "1"])
def test_it_answers_404_for_an_unknown_reservation(api, desk, reservation_id):
    response = api.delete(f"{URL}/{reservation_id}")

    assert response.status_code == 404
    assert response.json()["error"] == "unknown_reservation"


def test_it_refuses_to_release_a_hold_that_became_an_order(api, desk):
    hold = api.post(
        URL, {"lines": [{"sku": "DESK-1", "quantity": 2}]}, format="json"
    ).json()
    order_services.order_place(reservation_id=hold["id"], email="a@b.co")

    response = api.delete(f"{URL}/{hold['id']}")

    assert response.status_code == 409
    assert response.json()["error"] == "reservation_used"
    assert (level(desk, "EAST").reserved, level(desk, "EAST").committed) == (0, 2)
