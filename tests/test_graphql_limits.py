"""Malformed, unknown, too deep, too costly or too large GraphQL
requests: an error with a code, never a 500, nothing changed."""

import json

import pytest
from django.test import Client

from inventory.models import Reservation
from tests.conftest import level
from tests.graphql import codes, post

pytestmark = pytest.mark.django_db

DEEPEST = """{ catalog(first: 1) { edges { node {
  warehouses { restockEta } } } pageInfo { endCursor } } }"""


@pytest.fixture
def desk(make_sku):
    return make_sku("GQ-LIM-1", EAST=5)


def assert_nothing_held() -> None:
    assert Reservation.objects.count() == 0
    assert level("GQ-LIM-1", "EAST").reserved == 0


def test_it_answers_the_deepest_query_its_schema_allows(desk):
    status, body = post(DEEPEST)

    assert (status, "errors" in body) == (200, False)
    assert body["data"]["catalog"]["edges"][0]["node"]["warehouses"]


@pytest.mark.parametrize(
    "document",
    [
        "{ sku(code: ",
        "mutation { reserve(lines: [{sku: 1, quantity: 1}]) { id } }",
        '{ sku(code: "GQ-LIM-1") { price } }',
        "{ nothing }",
        'mutation { reserve(lines: [{sku: "GQ-LIM-1", quantity: 1}]) }',
        "{ sku { sku } }",
        'subscription { inventoryUpdated(skus: ["GQ-LIM-1"]) { sequence } }',
        "{ ...F } fragment F on Query { ...F }",
    ],
    ids=[
        "unparsable",
        "wrong-type",
        "unknown-field",
        "unknown-root",
        "no-selection",
        "missing-argument",
        "subscription-over-http",
        "fragment-cycle",
    ],
)
def test_it_refuses_a_malformed_document_and_holds_nothing(desk, document):
    status, body = post(document)

    assert status in (200, 400)
    assert codes(body) and set(codes(body)) == {"invalid"}
    assert not body.get("data")
    assert_nothing_held()


def test_it_refuses_a_query_nested_too_deeply(desk):
    deep = "{ catalog { edges { node { warehouses { a { b { c { d } } } } } } } }"

    status, body = post(deep)

    assert set(codes(body)) == {"invalid"}
    messages = [error["message"] for error in body["errors"]]
    assert any("exceeds maximum operation depth of 6" in m for m in messages)


def test_it_refuses_too_many_aliases(desk):
    aliases = " ".join(f"w{n}: warehouses {{ code }}" for n in range(21))

    status, body = post(f"{{ {aliases} }}")

    assert codes(body) == ["invalid"]
    assert not body.get("data")


def test_it_refuses_a_document_of_too_many_tokens(desk):
    fields = " ".join(["code"] * 2100)

    status, body = post(f"{{ warehouses {{ {fields} }} }}")

    assert status in (200, 400)
    assert codes(body) == ["invalid"]


def test_it_refuses_101_skus_in_one_list(desk):
    names = json.dumps([f"GQ-{n}" for n in range(101)])

    _, body = post(f"{{ skus(codes: {names}) {{ sku }} }}")

    assert codes(body) == ["invalid"]
    assert body["data"] == {"skus": None}


def test_it_counts_skus_over_every_field_of_a_request(desk):
    names = json.dumps([f"GQ-{n}" for n in range(60)])

    _, body = post(
        f"""{{ a: skus(codes: {names}) {{ sku }}
              b: catalog(first: 41) {{ pageInfo {{ hasNextPage }} }} }}"""
    )

    assert codes(body) == ["invalid"]
    assert "at most 100 SKUs" in body["errors"][0]["message"]


@pytest.mark.parametrize("first", [0, -1, 101])
def test_it_refuses_a_page_size_outside_1_to_100(desk, first):
    _, body = post(f"{{ catalog(first: {first}) {{ pageInfo {{ hasNextPage }} }} }}")

    assert codes(body) == ["invalid"]


@pytest.mark.parametrize(
    "document",
    [
        '{ sku(code: "GQ\\u0000") { sku } }',
        '{ skus(codes: ["GQ\\u0000"]) { sku } }',
        '{ sku(code: "GQ-LIM-1", shipTo: "EA\\u0000ST") { sku } }',
        '{ catalog(search: "a\\u0000") { pageInfo { hasNextPage } } }',
        '{ catalog(category: "a\\u0000") { pageInfo { hasNextPage } } }',
    ],
)
def test_it_refuses_nul_characters_before_the_database_sees_them(desk, document):
    status, body = post(document)

    assert status == 200
    assert codes(body) == ["invalid"]


@pytest.mark.parametrize(
    "raw, content_type",
    [
        ("{not json", "application/json"),
        ("[]", "application/json"),
        ("null", "application/json"),
        ("5", "application/json"),
        ('"{ warehouses { code } }"', "application/json"),
        ('{"query": "{ warehouses { code } }", "query": "x"}', "application/json"),
        (
            '{"query": "{ warehouses { code } }", "variables": {"a": NaN}}',
            "application/json",
        ),
        ('{"query": 5}', "application/json"),
        ('{"query": "{ warehouses { code } }", "variables": [1]}', "application/json"),
        ('{"variables": {}}', "application/json"),
        ("query=1", "text/plain"),
    ],
)
def test_it_refuses_a_body_that_is_not_a_graphql_request(desk, raw, content_type):
    response = Client().post("/graphql/", data=raw, content_type=content_type)

    assert 400 <= response.status_code < 500
    assert codes(json.loads(response.content))
    assert_nothing_held()


def test_it_refuses_a_mutation_over_get(desk):
    query = 'mutation { reserve(lines: [{sku: "GQ-LIM-1", quantity: 1}]) { id } }'

    response = Client().get("/graphql/", {"query": query})

    assert 400 <= response.status_code < 500
    assert codes(json.loads(response.content)) == ["invalid"]
    assert_nothing_held()


def test_it_refuses_introspection_without_debug(desk, settings):
    settings.DEBUG = False

    _, body = post("{ __schema { queryType { name } } }")

    assert set(codes(body)) == {"invalid"}
    assert not body.get("data")


def test_it_answers_introspection_with_debug(desk, settings):
    settings.DEBUG = True

    _, body = post("{ __schema { queryType { name } } }")

    assert body == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


def test_it_serves_graphiql_only_with_debug(desk, settings):
    settings.DEBUG = False
    hidden = Client().get("/graphql/", headers={"Accept": "text/html"})
    settings.DEBUG = True
    shown = Client().get("/graphql/", headers={"Accept": "text/html"})

    assert hidden.status_code == 400
    assert b"graphiql" not in hidden.content.lower()
    assert shown.status_code == 200
    assert b"graphiql" in shown.content.lower()


def test_it_refuses_a_body_over_the_upload_limit_in_graphqls_error_shape(desk):
    raw = json.dumps({"query": "{ warehouses { code } }", "pad": "x" * 300_000})

    response = Client().post("/graphql/", data=raw, content_type="application/json")

    assert response.status_code == 400
    assert codes(json.loads(response.content)) == ["invalid"]
