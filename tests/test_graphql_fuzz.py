"""Documents generated from the schema, valid and not: every answer is
data or coded errors, never a 500 or an ``internal_error``."""

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, mutations, queries

from graphapi.schema import SCHEMA_FILE
from tests.graphql import codes, post

pytestmark = pytest.mark.django_db

# As the REST fuzz test: enough for every resolver's checks on each run;
# raise OFFICESHOP_FUZZ_EXAMPLES for a longer campaign.
MAX_EXAMPLES = int(os.environ.get("OFFICESHOP_FUZZ_EXAMPLES", "25"))
SDL = SCHEMA_FILE.read_text()
FUZZ = settings(
    max_examples=MAX_EXAMPLES * 4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def stocked(make_sku):
    make_sku("FUZZ-1", EAST=3, WEST=1)
    make_sku("FUZZ-2", SOUTH=2)


def assert_answered(document: str) -> None:
    status, body = post(document)

    assert status in (200, 400), (status, document)
    assert "data" in body or "errors" in body
    assert "internal_error" not in codes(body), (document, body)


@FUZZ
@given(
    document=st.one_of(
        queries(SDL, mode=Mode.POSITIVE), mutations(SDL, mode=Mode.POSITIVE)
    )
)
def test_it_answers_every_valid_document_without_failing(stocked, document):
    assert_answered(document)


@FUZZ
@given(
    document=st.one_of(
        queries(SDL, mode=Mode.NEGATIVE), mutations(SDL, mode=Mode.NEGATIVE)
    )
)
def test_it_refuses_every_invalid_document_without_failing(stocked, document):
    assert_answered(document)
