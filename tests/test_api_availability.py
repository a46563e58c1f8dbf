"""GET /api/v1/skus/{sku}/availability and GET /api/v1/availability."""

from datetime import date

import pytest

from inventory.models import StockLevel

pytestmark = pytest.mark.django_db

ONE = "/api/v1/skus/{}/availability"
MANY = "/api/v1/availability"


def test_it_answers_one_skus_figures_summed_and_per_warehouse(api, make_sku):
    sku = make_sku("DESK-1", threshold=2, EAST=5, WEST=3)

    response = api.get(ONE.format("DESK-1"))

    assert response.status_code == 200
    body = response.json()
    assert body["sku"] == "DESK-1"
    assert body["name"] == "Product DESK-1"
    assert body["condition"] == "new"
    assert body["status"] == "in_stock"
    assert (body["available"], body["on_hand"]) == (8, 8)
    assert (body["reserved"], body["committed"], body["incoming"]) == (0, 0, 0)
    assert body["restock_eta"] is None
    assert body["sequence"] == sku.sequence == 2
    assert [w["warehouse"] for w in body["warehouses"]] == [
        "CENTRAL",
        "EAST",
        "SOUTH",
        "WEST",
    ]
    assert body["warehouses"][1] == {
        "warehouse": "EAST",
        "available": 5,
        "on_hand": 5,
        "reserved": 0,
        "committed": 0,
        "incoming": 0,
        "restock_eta": None,
    }


def test_it_lists_the_shoppers_own_warehouse_first(api, make_sku):
    make_sku("DESK-1", EAST=5, WEST=3)

    body = api.get(ONE.format("DESK-1"), {"ship_to": "west"}).json()

    assert [w["warehouse"] for w in body["warehouses"]][0] == "WEST"
    assert body["available"] == 8


def test_it_says_restocking_with_the_earliest_eta(api, make_sku):
    make_sku("DESK-1")
    StockLevel.objects.filter(sku__code="DESK-1", warehouse__code="EAST").update(
        incoming=4, restock_eta=date(2026, 12, 10)
    )
    StockLevel.objects.filter(sku__code="DESK-1", warehouse__code="WEST").update(
        incoming=2, restock_eta=date(2026, 12, 3)
    )

    body = api.get(ONE.format("DESK-1")).json()

    assert body["status"] == "restocking"
    assert (body["available"], body["incoming"]) == (0, 6)
    assert body["restock_eta"] == "2026-12-03"


def test_it_says_low_stock_at_the_threshold(api, make_sku):
    make_sku("DESK-1", threshold=3, EAST=3)

    body = api.get(ONE.format("DESK-1")).json()

    assert (body["status"], body["available"]) == ("low_stock", 3)


def test_it_answers_404_for_an_unknown_sku(api, warehouses):
    response = api.get(ONE.format("NOPE-1"))

    assert response.status_code == 404
    assert response.json() == {"error": "unknown_sku", "detail": "unknown SKU 'NOPE-1'"}


def test_it_answers_404_for_a_code_no_sku_can_have(api, warehouses):
    response = api.get(ONE.format("A%00B"))

    assert response.status_code == 404
    assert response.json()["error"] == "unknown_sku"


def test_it_refuses_an_unknown_region(api, make_sku):
    make_sku("DESK-1", EAST=5)

    response = api.get(ONE.format("DESK-1"), {"ship_to": "MARS"})

    assert response.status_code == 400
    assert response.json()["error"] == "invalid"


def test_it_refuses_a_region_with_a_nul_character(api, make_sku):
    make_sku("DESK-1", EAST=5)

    response = api.get(ONE.format("DESK-1"), {"ship_to": "EA\x00ST"})

    assert response.status_code == 400
    assert response.json()["error"] == "invalid"


def test_it_lists_several_skus_in_the_order_asked(api, make_sku):
    make_sku("DESK-1", EAST=5)
    make_sku("CHAIR-1", WEST=2)

    response = api.get(MANY, {"skus": "CHAIR-1,DESK-1"})

    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["sku"], r["available"]) for r in results] == [
        ("CHAIR-1", 2),
        ("DESK-1", 5),
    ]


def test_it_leaves_unknown_and_repeated_codes_out(api, make_sku):
    make_sku("DESK-1", EAST=5)

    response = api.get(MANY, {"skus": "NOPE, DESK-1,DESK-1,,A\x00"})

    assert response.status_code == 200
    assert [r["sku"] for r in response.json()["results"]] == ["DESK-1"]


def test_it_reads_any_number_of_skus_in_two_queries(
    api, make_sku, django_assert_num_queries
):
    codes = [make_sku(f"DESK-{n}", EAST=n).code for n in range(1, 6)]

    with django_assert_num_queries(2):
        response = api.get(MANY, {"skus": ",".join(codes)})

    assert [r["available"] for r in response.json()["results"]] == [1, 2, 3, 4, 5]


def test_it_takes_100_skus(api, warehouses):
    codes = ",".join(f"NOPE-{n}" for n in range(100))

    response = api.get(MANY, {"skus": codes})

    assert response.status_code == 200
    assert response.json() == {"results": []}


def test_it_refuses_more_than_100_skus(api, warehouses):
    codes = ",".join(f"NOPE-{n}" for n in range(101))

    response = api.get(MANY, {"skus": codes})

    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid",
        "detail": "at most 100 SKUs a request",
    }


@pytest.mark.parametrize("query", [{}, {"skus": ""}, {"skus": " , ,"}])
def test_it_refuses_a_request_naming_no_sku(api, warehouses, query):
    response = api.get(MANY, query)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid"


def test_it_lists_with_the_shoppers_warehouse_first(api, make_sku):
    make_sku("DESK-1", EAST=5)

    response = api.get(MANY, {"skus": "DESK-1", "ship_to": "South"})

    warehouses = response.json()["results"][0]["warehouses"]
    assert warehouses[0]["warehouse"] == "SOUTH"


def test_it_refuses_too_many_query_parameters_in_the_error_body(api, warehouses):
    query = "&".join(f"x{n}=1" for n in range(1001))

    response = api.get(f"{MANY}?skus=DESK-1&{query}")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid"


def test_it_answers_an_unknown_api_path_with_the_error_body(api):
    response = api.get("/api/v1/no-such-call")

    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
