"""GraphQL queries answer the REST calls' figures for the same SKUs."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory import services
from tests.graphql import codes, post

SKU_FIELDS = """
  sku name condition status available onHand reserved committed incoming
  restockEta sequence
  warehouses { warehouse available onHand reserved committed incoming restockEta }
"""


def camel(answer: dict) -> dict:
    """Return a REST availability object with GraphQL's field names."""
    names = {"on_hand": "onHand", "restock_eta": "restockEta"}
    out = {names.get(k, k): v for k, v in answer.items() if k != "warehouses"}
    out["warehouses"] = [
        {names.get(k, k): v for k, v in entry.items()} for entry in answer["warehouses"]
    ]
    return out


@pytest.mark.postgres
def test_it_answers_the_same_figures_as_rest_for_the_same_skus(make_sku, api):
    chair = make_sku("GQ-CHAIR", EAST=5, WEST=2, threshold=3)
    desk = make_sku("GQ-DESK", SOUTH=1)
    services.reservation_create(lines=[(chair.code, 4)], ship_to="EAST")

    rest_one = api.get("/api/v1/skus/GQ-CHAIR/availability?ship_to=west").json()
    rest_many = api.get("/api/v1/availability?skus=GQ-DESK,NOPE,GQ-CHAIR").json()
    status, body = post(
        f"""query {{
          one: sku(code: "GQ-CHAIR", shipTo: "west") {{ {SKU_FIELDS} }}
          many: skus(codes: ["GQ-DESK", "NOPE", "GQ-CHAIR"]) {{ {SKU_FIELDS} }}
        }}"""
    )

    assert status == 200
    assert "errors" not in body
    assert body["data"]["one"] == camel(rest_one)
    assert body["data"]["many"] == [camel(a) for a in rest_many["results"]]
    assert body["data"]["one"]["available"] == 3
    assert body["data"]["one"]["warehouses"][0]["warehouse"] == "WEST"
    assert [s["sku"] for s in body["data"]["many"]] == [desk.code, chair.code]


@pytest.mark.django_db
def test_it_refuses_an_unknown_sku_with_the_rest_code(make_sku):
    make_sku("GQ-KNOWN", EAST=1)

    status, body = post('{ sku(code: "GQ-UNKNOWN") { sku } }')

    assert status == 200
    assert body["data"] == {"sku": None}
    assert codes(body) == ["unknown_sku"]


@pytest.mark.django_db
def test_it_refuses_an_unknown_ship_to_as_invalid(make_sku):
    make_sku("GQ-SHIP", EAST=1)

    status, body = post('{ sku(code: "GQ-SHIP", shipTo: "MARS") { sku } }')

    assert codes(body) == ["invalid"]
    assert body["data"] == {"sku": None}


@pytest.mark.django_db
def test_it_lists_the_warehouses(warehouses):
    status, body = post("{ warehouses { code name } }")

    assert body["data"]["warehouses"] == [
        {"code": "CENTRAL", "name": "Central"},
        {"code": "EAST", "name": "East"},
        {"code": "SOUTH", "name": "South"},
        {"code": "WEST", "name": "West"},
    ]


CATALOG = """query($first: Int!, $after: String) {
  catalog(first: $first, after: $after, category: "Office Supplies") {
    edges { cursor node { sku available warehouses { warehouse available } } }
    pageInfo { hasNextPage endCursor }
  }
}"""


@pytest.mark.django_db
def test_it_pages_the_catalog_by_name_with_cursors(make_sku):
    for n in range(5):
        make_sku(f"GQ-PAGE-{n}", EAST=n)

    _, first = post(CATALOG, {"first": 2})
    page = first["data"]["catalog"]
    _, second = post(CATALOG, {"first": 2, "after": page["pageInfo"]["endCursor"]})
    rest = second["data"]["catalog"]
    _, third = post(CATALOG, {"first": 2, "after": rest["pageInfo"]["endCursor"]})
    last = third["data"]["catalog"]

    seen = [e["node"]["sku"] for p in (page, rest, last) for e in p["edges"]]
    assert seen == [f"GQ-PAGE-{n}" for n in range(5)]
    assert [p["pageInfo"]["hasNextPage"] for p in (page, rest, last)] == [
        True,
        True,
        False,
    ]
    assert [e["node"]["available"] for e in rest["edges"]] == [2, 3]


@pytest.mark.django_db
def test_it_refuses_a_cursor_it_never_gave(make_sku):
    make_sku("GQ-CURSOR", EAST=1)

    _, body = post(CATALOG, {"first": 2, "after": "not-a-cursor"})

    assert codes(body) == ["invalid"]
    assert body["data"] == {"catalog": None}


@pytest.mark.django_db
def test_it_reads_a_catalog_page_in_queries_that_do_not_grow_with_its_size(
    make_sku,
):
    for n in range(60):
        make_sku(f"GQ-N1-{n:02d}", EAST=1, WEST=2)

    with CaptureQueriesContext(connection) as small:
        _, five = post(CATALOG, {"first": 5})
    with CaptureQueriesContext(connection) as large:
        _, fifty = post(CATALOG, {"first": 50})

    assert len(fifty["data"]["catalog"]["edges"]) == 50
    assert len(five["data"]["catalog"]["edges"]) == 5
    assert len(large) == len(small) == 3
