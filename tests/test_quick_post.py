"""POST /api/v1/reservations answers the same through its plain fast path
(inventory.api.quickpost) as through the DRF view it falls back to."""

import json

import pytest
from django.db import transaction
from django.test import Client

from inventory.api import quickpost
from inventory.models import LedgerEntry, Reservation
from tests.conftest import level

pytestmark = pytest.mark.django_db

URL = "/api/v1/reservations"
JSON = "application/json"


def line(sku="PLAIN-1", quantity=1) -> dict:
    return {"sku": sku, "quantity": quantity}


# (body as text, content type, extra headers)
REQUESTS = {
    "one line": (json.dumps({"lines": [line()]}), JSON, {}),
    "two lines, one SKU": (json.dumps({"lines": [line(), line()]}), JSON, {}),
    "two SKUs": (json.dumps({"lines": [line(), line("PLAIN-2", 2)]}), JSON, {}),
    "ship to, any case": (json.dumps({"lines": [line()], "ship_to": "west"}), JSON, {}),
    "ship to null": (json.dumps({"lines": [line()], "ship_to": None}), JSON, {}),
    "ship to blank": (json.dumps({"lines": [line()], "ship_to": ""}), JSON, {}),
    "ship to padded": (json.dumps({"lines": [line()], "ship_to": " EAST "}), JSON, {}),
    "ship to unknown": (json.dumps({"lines": [line()], "ship_to": "MARS"}), JSON, {}),
    "ship to a number": (json.dumps({"lines": [line()], "ship_to": 3}), JSON, {}),
    "ship to too long": (
        json.dumps({"lines": [line()], "ship_to": "E" * 33}),
        JSON,
        {},
    ),
    "more than there is": (json.dumps({"lines": [line(quantity=9)]}), JSON, {}),
    "unknown SKU": (json.dumps({"lines": [line("NOPE")]}), JSON, {}),
    "SKU padded": (json.dumps({"lines": [line(" PLAIN-1")]}), JSON, {}),
    "SKU blank": (json.dumps({"lines": [line("")]}), JSON, {}),
    "SKU too long": (json.dumps({"lines": [line("P" * 65)]}), JSON, {}),
    "SKU a number": (json.dumps({"lines": [line(12)]}), JSON, {}),
    "quantity zero": (json.dumps({"lines": [line(quantity=0)]}), JSON, {}),
    "quantity negative": (json.dumps({"lines": [line(quantity=-2)]}), JSON, {}),
    "quantity huge": (json.dumps({"lines": [line(quantity=10_001)]}), JSON, {}),
    "quantity float": (json.dumps({"lines": [line(quantity=1.0)]}), JSON, {}),
    "quantity true": (json.dumps({"lines": [line(quantity=True)]}), JSON, {}),
    "quantity text": (json.dumps({"lines": [line(quantity="1")]}), JSON, {}),
    "line with extra key": (
        json.dumps({"lines": [{**line(), "note": "x"}]}),
        JSON,
        {},
    ),
    "line missing quantity": (json.dumps({"lines": [{"sku": "PLAIN-1"}]}), JSON, {}),
    "body with extra key": (json.dumps({"lines": [line()], "x": 1}), JSON, {}),
    "no lines": (json.dumps({"lines": []}), JSON, {}),
    "lines missing": (json.dumps({"ship_to": "EAST"}), JSON, {}),
    "lines not a list": (json.dumps({"lines": line()}), JSON, {}),
    "101 lines": (json.dumps({"lines": [line()] * 101}), JSON, {}),
    "a list body": (json.dumps([line()]), JSON, {}),
    "repeated key": (
        '{"lines": [], "lines": [{"sku": "PLAIN-1", "quantity": 1}]}',
        JSON,
        {},
    ),
    "NaN": ('{"lines": [{"sku": "PLAIN-1", "quantity": NaN}]}', JSON, {}),
    "NUL in a SKU": (json.dumps({"lines": [line("PLAIN\x00")]}), JSON, {}),
    "lone surrogate": ('{"lines": [{"sku": "\\ud800", "quantity": 1}]}', JSON, {}),
    "deep": ('{"lines": [[[[[[[[[[1]]]]]]]]]]}', JSON, {}),
    "not JSON": ("lines=1", JSON, {}),
    "empty body": ("", JSON, {}),
    "form content type": (json.dumps({"lines": [line()]}), "text/plain", {}),
    "charset given": (json.dumps({"lines": [line()]}), JSON + "; charset=utf-8", {}),
    "two lines over the limit together": (
        json.dumps({"lines": [line(quantity=6000), line(quantity=6000)]}),
        JSON,
        {},
    ),
    "accepts only HTML": (
        json.dumps({"lines": [line()]}),
        JSON,
        {"HTTP_ACCEPT": "text/html"},
    ),
    "accepts JSON": (
        json.dumps({"lines": [line()]}),
        JSON,
        {"HTTP_ACCEPT": "application/json"},
    ),
    "accepts anything": (json.dumps({"lines": [line()]}), JSON, {"HTTP_ACCEPT": "*/*"}),
    "accepts JSON least": (
        json.dumps({"lines": [line()]}),
        JSON,
        {"HTTP_ACCEPT": "text/html, application/json;q=0.1"},
    ),
    "asks for another format": (
        json.dumps({"lines": [line()]}),
        JSON,
        {"QUERY_STRING": "format=xml"},
    ),
    "asks for JSON by format": (
        json.dumps({"lines": [line()]}),
        JSON,
        {"QUERY_STRING": "format=json"},
    ),
    "an unrelated query": (
        json.dumps({"lines": [line()]}),
        JSON,
        {"QUERY_STRING": "utm=1"},
    ),
    "idempotency key": (
        json.dumps({"lines": [line()]}),
        JSON,
        {"HTTP_IDEMPOTENCY_KEY": "k-1"},
    ),
    "bad idempotency key": (
        json.dumps({"lines": [line()]}),
        JSON,
        {"HTTP_IDEMPOTENCY_KEY": "k\x01"},
    ),
}


def answer(make_sku, monkeypatch, name: str, *, plain: bool) -> tuple:
    make_sku("PLAIN-1", EAST=5, WEST=3)
    make_sku("PLAIN-2", EAST=2)
    if not plain:
        monkeypatch.setattr(quickpost, "_plain_hold", lambda request: None)
    text, content_type, headers = REQUESTS[name]
    client = Client()
    response = client.post(URL, data=text, content_type=content_type, **headers)
    again = client.post(URL, data=text, content_type=content_type, **headers)
    return (
        _shown(response),
        _shown(again),
        {k: response.headers.get(k) for k in ("Content-Type", "Allow", "Vary")},
        [
            (level("PLAIN-1", w).reserved, level("PLAIN-1", w).on_hand)
            for w in ("EAST", "WEST")
        ],
        sorted(
            (e.level.warehouse.code, e.reason, e.reserved_delta, e.actor)
            for e in LedgerEntry.objects.filter(reason="reservation")
        ),
        Reservation.objects.count(),
    )


def _shown(response) -> tuple:
    body = response.json()
    for key in ("id", "expires_at"):
        body.pop(key, None)
    return response.status_code, body


@pytest.mark.parametrize("name", REQUESTS)
def test_the_fast_path_answers_as_the_drf_view(make_sku, monkeypatch, name):
    with transaction.atomic():
        plain = answer(make_sku, monkeypatch, name, plain=True)
        transaction.set_rollback(True)
    drf = answer(make_sku, monkeypatch, name, plain=False)

    assert plain == drf


def test_plain_holds_skip_drf_and_the_rest_do_not(make_sku, monkeypatch):
    make_sku("PLAIN-1", EAST=5)
    taken = []
    real = quickpost._plain_hold

    def watched(request):
        taken.append(real(request))
        return taken[-1]

    monkeypatch.setattr(quickpost, "_plain_hold", watched)
    client = Client()
    for name in ("one line", "SKU padded", "charset given"):
        text, content_type, headers = REQUESTS[name]
        client.post(URL, data=text, content_type=content_type, **headers)

    assert [t is not None for t in taken] == [True, False, False]


def test_the_schema_still_describes_the_hold():
    response = Client().get("/api/schema/")

    assert response.status_code == 200
    schema = response.content.decode()
    assert "operationId: reservation_create" in schema
    assert "Idempotency-Key" in schema
