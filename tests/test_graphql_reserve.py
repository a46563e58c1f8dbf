"""The reserve mutation: the REST hold's outcomes, codes and
Idempotency-Key behaviour, and the 40-buyers race."""

import json

import pytest
from django.test import Client

from inventory.models import Reservation
from tests.conftest import level
from tests.graphql import codes, post
from tests.race import run_together

pytestmark = pytest.mark.postgres

RESERVE = """mutation($lines: [LineInput!]!, $shipTo: String, $key: String) {
  reserve(lines: $lines, shipTo: $shipTo, idempotencyKey: $key) {
    id status expiresAt lines { sku warehouse quantity }
  }
}"""


def reserve(lines: list, ship_to=None, key=None, **headers) -> tuple[int, dict]:
    variables = {"lines": lines, "shipTo": ship_to, "key": key}
    return post(RESERVE, variables, **headers)


def line(sku: str, quantity) -> dict:
    return {"sku": sku, "quantity": quantity}


def assert_nothing_held(code: str) -> None:
    assert Reservation.objects.count() == 0
    for warehouse in ("CENTRAL", "EAST", "SOUTH", "WEST"):
        assert level(code, warehouse).reserved == 0


@pytest.fixture
def desk(make_sku):
    return make_sku("GQ-DESK-1", EAST=5, WEST=3)


def test_it_holds_as_rest_does_and_answers_its_body(desk, api):
    status, body = reserve([line("GQ-DESK-1", 3), line("GQ-DESK-1", 3)], "east")
    rest = api.post(
        "/api/v1/reservations",
        {"lines": [{"sku": "GQ-DESK-1", "quantity": 1}]},
        format="json",
    ).json()

    hold = body["data"]["reserve"]
    assert status == 200
    assert hold["id"] == str(Reservation.objects.get(pk=hold["id"]).pk)
    assert hold["status"] == rest["status"] == "active"
    assert hold["lines"] == [
        {"sku": "GQ-DESK-1", "warehouse": "EAST", "quantity": 5},
        {"sku": "GQ-DESK-1", "warehouse": "WEST", "quantity": 1},
    ]
    assert hold["expiresAt"].endswith("Z") and rest["expires_at"].endswith("Z")
    assert (level(desk, "EAST").reserved, level(desk, "WEST").reserved) == (5, 2)


def test_it_refuses_a_short_hold_with_insufficient_stock_and_its_lines(desk, make_sku):
    make_sku("GQ-LAMP", SOUTH=2)

    status, body = reserve([line("GQ-LAMP", 1), line("GQ-DESK-1", 9)])

    assert status == 200
    assert body["data"] == {"reserve": None}
    [error] = body["errors"]
    assert error["extensions"] == {
        "code": "insufficient_stock",
        "lines": [{"sku": "GQ-DESK-1", "requested": 9, "available": 8}],
    }
    assert_nothing_held("GQ-DESK-1")
    assert level("GQ-LAMP", "SOUTH").reserved == 0


@pytest.mark.parametrize("quantity", [0, -1, 10_001])
def test_it_refuses_a_bad_quantity_as_invalid(desk, quantity):
    _, body = reserve([line("GQ-DESK-1", quantity)])

    assert codes(body) == ["invalid"]
    assert_nothing_held("GQ-DESK-1")


@pytest.mark.parametrize("quantity", ["2", 1.5, True, None])
def test_it_refuses_a_quantity_that_is_not_an_integer(desk, quantity):
    status, body = reserve([line("GQ-DESK-1", quantity)])

    assert status in (200, 400)
    assert codes(body) == ["invalid"]
    assert_nothing_held("GQ-DESK-1")


@pytest.mark.parametrize(
    "lines",
    [
        [],
        [line("NOPE", 1)],
        [line("GQ-DESK\x00", 1)],
        [line("X" * 65, 1)],
        [line("GQ-DESK-1", 1)] * 101,
    ],
    ids=["none", "unknown", "nul", "long", "101"],
)
def test_it_refuses_bad_lines_as_invalid(desk, lines):
    _, body = reserve(lines)

    assert codes(body) == ["invalid"]
    assert_nothing_held("GQ-DESK-1")


def test_it_answers_a_retry_with_the_first_answer(desk):
    _, first = reserve([line("GQ-DESK-1", 2)], key="gq-retry-1")
    _, again = reserve([line("GQ-DESK-1", 2)], key="gq-retry-1")

    assert again["data"] == first["data"]
    assert Reservation.objects.count() == 1
    assert level(desk, "EAST").reserved == 2


def test_it_takes_the_key_as_a_header_too(desk):
    _, first = reserve([line("GQ-DESK-1", 1)], Idempotency_Key="gq-header")
    _, again = reserve([line("GQ-DESK-1", 1)], Idempotency_Key="gq-header")

    assert again["data"]["reserve"]["id"] == first["data"]["reserve"]["id"]
    assert level(desk, "EAST").reserved == 1


def test_it_shares_a_key_with_the_rest_call_for_the_same_body(desk, api):
    rest = api.post(
        "/api/v1/reservations",
        {"lines": [{"sku": "GQ-DESK-1", "quantity": 2}]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="gq-both",
    ).json()

    _, body = reserve([line("GQ-DESK-1", 2)], key="gq-both")

    assert body["data"]["reserve"]["id"] == rest["id"]
    assert level(desk, "EAST").reserved == 2


def test_it_refuses_a_key_reused_with_another_body(desk):
    reserve([line("GQ-DESK-1", 2)], key="gq-reused")

    _, body = reserve([line("GQ-DESK-1", 3)], key="gq-reused")

    assert codes(body) == ["idempotency_key_reused"]
    assert level(desk, "EAST").reserved == 2


def test_it_refuses_a_header_and_argument_that_differ(desk):
    _, body = reserve([line("GQ-DESK-1", 1)], key="one", Idempotency_Key="two")

    assert codes(body) == ["invalid"]
    assert_nothing_held("GQ-DESK-1")


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there"])
def test_it_refuses_a_malformed_key(desk, key):
    _, body = reserve([line("GQ-DESK-1", 1)], key=key)

    assert codes(body) == ["invalid"]
    assert_nothing_held("GQ-DESK-1")


def test_it_refuses_two_holds_in_one_request(desk):
    _, body = post(
        """mutation {
          a: reserve(lines: [{sku: "GQ-DESK-1", quantity: 1}]) { id }
          b: reserve(lines: [{sku: "GQ-DESK-1", quantity: 1}]) { id }
        }"""
    )

    assert codes(body) == ["invalid"]
    assert "data" not in body or body["data"] is None
    assert_nothing_held("GQ-DESK-1")


def test_it_grants_exactly_five_of_forty_racing_buyers(make_sku):
    make_sku("GQ-HOT", EAST=5)

    def buy():
        return reserve([line("GQ-HOT", 1)])

    answers = run_together([buy for _ in range(40)])

    granted = [a for a in answers if a[1].get("data", {}).get("reserve")]
    refused = [a for a in answers if codes(a[1]) == ["insufficient_stock"]]
    assert (len(granted), len(refused)) == (5, 35)
    assert Reservation.objects.count() == 5
    east = level("GQ-HOT")
    assert (east.on_hand, east.reserved, east.available) == (5, 5, 0)


RELEASE = "mutation($id: ID!) { release(id: $id) }"


def test_it_releases_a_hold_once_when_asked_twice(desk):
    _, held = reserve([line("GQ-DESK-1", 4)])
    hold_id = held["data"]["reserve"]["id"]

    _, first = post(RELEASE, {"id": hold_id})
    _, again = post(RELEASE, {"id": hold_id})

    assert first == again == {"data": {"release": True}}
    assert Reservation.objects.get(pk=hold_id).status == "released"
    assert level(desk, "EAST").reserved == 0


@pytest.mark.parametrize(
    "hold_id", ["not-a-uuid", "6f1c2d3e-0000-4000-8000-000000000000"]
)
def test_it_refuses_to_release_an_unknown_hold(desk, hold_id):
    _, body = post(RELEASE, {"id": hold_id})

    assert codes(body) == ["unknown_reservation"]


def test_it_refuses_to_release_a_hold_that_became_an_order(desk):
    from orders import services as order_services

    _, held = reserve([line("GQ-DESK-1", 1)])
    hold_id = held["data"]["reserve"]["id"]
    order_services.order_place(reservation_id=hold_id, email="a@example.com")

    _, body = post(RELEASE, {"id": hold_id})

    assert codes(body) == ["reservation_used"]
    assert level(desk, "EAST").committed == 1


def test_it_holds_once_when_two_requests_share_a_key_at_once(desk):
    def send():
        return reserve([line("GQ-DESK-1", 2)], key="gq-double-click")

    answers = run_together([send, send])

    ids = {answer[1]["data"]["reserve"]["id"] for answer in answers}
    assert len(ids) == 1
    assert Reservation.objects.count() == 1
    assert level(desk, "EAST").reserved == 2


HOLD_ONE = 'mutation Hold { reserve(lines: [{sku: "GQ-DESK-1", quantity: 1}]) { id } }'


@pytest.mark.parametrize(
    "document",
    [
        f"{HOLD_ONE} query Look {{ warehouses {{ code }} }}",
        f"query Look {{ warehouses {{ code }} }} {HOLD_ONE}",
    ],
)
def test_it_refuses_several_operations_without_an_operation_name(desk, document):
    """The GraphQL spec asks for operationName when a document holds more
    than one operation; running the first instead would hold by surprise."""
    status, body = post(document)

    assert status == 200
    assert codes(body) == ["invalid"]
    assert body.get("data") is None
    assert_nothing_held("GQ-DESK-1")


def test_it_runs_the_operation_named_among_several(desk):
    body = {
        "query": f"query Look {{ warehouses {{ code }} }} {HOLD_ONE}",
        "operationName": "Hold",
    }
    response = Client().post(
        "/graphql/", data=json.dumps(body), content_type="application/json"
    )

    assert response.json()["data"]["reserve"]["id"]
    assert level(desk, "EAST").reserved == 1


def test_it_holds_a_code_with_spaces_around_it_as_rest_does(desk, api):
    """The REST body's serializer trims a line's sku; so does reserve."""
    rest = api.post(
        "/api/v1/reservations",
        {"lines": [{"sku": " GQ-DESK-1 ", "quantity": 1}]},
        format="json",
    )
    _, body = reserve([line(" GQ-DESK-1 ", 1)])

    assert rest.status_code == 201
    assert body["data"]["reserve"]["lines"] == [
        {"sku": "GQ-DESK-1", "warehouse": "EAST", "quantity": 1}
    ]
    assert level(desk, "EAST").reserved == 2


def test_it_shares_a_key_with_rest_for_a_code_sent_with_spaces(desk, api):
    """Both fingerprint the body as sent, spaces included."""
    first = api.post(
        "/api/v1/reservations",
        {"lines": [{"sku": " GQ-DESK-1 ", "quantity": 2}]},
        format="json",
        headers={"Idempotency-Key": "spaced-1"},
    ).json()
    _, body = reserve([line(" GQ-DESK-1 ", 2)], key="spaced-1")

    assert body["data"]["reserve"]["id"] == first["id"]
    assert level(desk, "EAST").reserved == 2


@pytest.mark.parametrize(
    "lines",
    [
        [{"sku": "GQ-DESK-1", "quantity": 0}],
        [{"sku": "", "quantity": 1}],
        [{"sku": "X" * 65, "quantity": 1}],
        [],
    ],
)
def test_it_names_the_bad_fields_as_rest_does(desk, api, lines):
    rest = api.post("/api/v1/reservations", {"lines": lines}, format="json").json()
    _, body = reserve(lines)

    [error] = body["errors"]
    assert error["extensions"] == {"code": "invalid", "fields": rest["fields"]}
    assert error["message"] == rest["detail"]
    assert_nothing_held("GQ-DESK-1")
