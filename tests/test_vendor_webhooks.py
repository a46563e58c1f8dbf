"""Signed vendor webhooks: refused when forged, stored once, applied once."""

import json
import time

import pytest
from django.test import Client

from integrations import signing
from integrations.models import InboundEvent
from integrations.services import inbound_event_apply, vendor_add
from inventory import services
from officeshop.celery import app as celery_app
from tests.conftest import level
from tests.race import run_together

pytestmark = pytest.mark.postgres

SECRET = "acme-secret-for-tests-0001"
URL = "/webhooks/vendors/acme/inventory"


@pytest.fixture(autouse=True)
def vendor(db):
    return vendor_add(code="acme", secret=SECRET)


@pytest.fixture(autouse=True)
def apply_tasks_in_process():
    # The task runs on commit in this process, as a worker would run it.
    # The app reads Django's settings under the CELERY_ namespace, so the
    # key must carry it to take effect.
    before = celery_app.conf.task_always_eager
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = True
    yield
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = before


def delta(sku, warehouse: str, units, reason: str = "found") -> dict:
    return {"sku": sku.code, "warehouse": warehouse, "delta": units, "reason": reason}


def count(sku, warehouse: str, on_hand: int) -> dict:
    return {"sku": sku.code, "warehouse": warehouse, "on_hand": on_hand}


def event(kind: str, lines: list, *, event_id="ev-1", at="2026-12-04T10:00:00Z"):
    body = {"event_id": event_id, "occurred_at": at, "type": kind, "lines": lines}
    return json.dumps(body).encode()


def post(body: bytes, *, secret=SECRET, at=None, client=None, url=URL):
    header = signing.sign(body, secret, at=at)
    return (client or Client()).post(
        url, body, content_type="application/json", HTTP_X_SIGNATURE=header
    )


def test_it_refuses_every_forged_request_and_moves_no_stock(make_sku):
    sku = make_sku("VEN-1", EAST=5)
    vendor_add(code="globex", secret="globex-secret-for-tests")
    body = event(
        "stock.delta",
        [delta(sku, "EAST", 3)],
    )
    now = int(time.time())
    client = Client()

    answers = [
        client.post(URL, body, content_type="application/json").status_code,
        post(body, secret="a-wrong-secret-of-length").status_code,
        post(body, secret="globex-secret-for-tests").status_code,
        post(body, at=now - 400).status_code,
        post(body, at=now + 400).status_code,
        client.post(
            URL,
            body.replace(b"3", b"9"),
            content_type="application/json",
            HTTP_X_SIGNATURE=signing.sign(body, SECRET),
        ).status_code,
        post(body, url="/webhooks/vendors/nobody/inventory").status_code,
    ]

    assert answers == [401, 401, 401, 401, 401, 401, 404]
    assert level(sku).on_hand == 5
    assert InboundEvent.objects.count() == 0


def test_it_applies_a_signed_delta_once(make_sku):
    sku = make_sku("VEN-2", EAST=5)
    body = event(
        "stock.delta",
        [delta(sku, "EAST", 3)],
    )

    first, again = post(body), post(body)

    assert (first.status_code, first.json()) == (
        202,
        {"status": "accepted", "event_id": "ev-1"},
    )
    assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    assert level(sku).on_hand == 8
    stored = InboundEvent.objects.get()
    assert (stored.status, stored.applied) == ("applied", 1)
    inbound_event_apply(event_pk=stored.pk)
    assert level(sku).on_hand == 8


def test_it_stores_one_of_three_simultaneous_deliveries(make_sku):
    sku = make_sku("VEN-3", WEST=2)
    body = event(
        "stock.delta",
        [delta(sku, "WEST", 1)],
    )

    answers = run_together([lambda: post(body).status_code for _ in range(3)])

    assert sorted(answers) == [200, 200, 202]
    assert InboundEvent.objects.count() == 1
    assert level(sku, "WEST").on_hand == 3


def test_it_keeps_holds_under_a_count_and_skips_an_older_count(make_sku):
    sku = make_sku("VEN-4", EAST=40)
    services.reservation_create(lines=[(sku.code, 29)])
    newer = event(
        "stock.snapshot",
        [{"sku": sku.code, "warehouse": "EAST", "on_hand": 80}],
        event_id="new",
        at="2026-12-04T10:00:00Z",
    )
    older = event(
        "stock.snapshot",
        [{"sku": sku.code, "warehouse": "EAST", "on_hand": 10}],
        event_id="old",
        at="2026-12-04T09:00:00Z",
    )

    post(newer)
    post(older)

    east = level(sku)
    assert (east.on_hand, east.reserved, east.available) == (80, 29, 51)
    stale = InboundEvent.objects.get(event_id="old")
    assert (stale.status, stale.applied, stale.stale) == ("applied", 0, 1)


def test_it_refuses_an_event_with_bad_lines_naming_each(make_sku):
    sku = make_sku("VEN-5", EAST=5)
    body = event(
        "stock.delta",
        [
            {"sku": sku.code, "warehouse": "EAST", "delta": 2, "reason": "found"},
            {"sku": "NOPE", "warehouse": "EAST", "delta": 1, "reason": "found"},
            {"sku": sku.code, "warehouse": "EAST", "delta": 1.5, "reason": "found"},
        ],
    )

    response = post(body)

    assert response.status_code == 400
    named = {(e["line"], e["field"]) for e in response.json()["errors"]}
    assert named == {(1, "sku"), (2, "delta")}
    assert level(sku).on_hand == 5
    assert InboundEvent.objects.count() == 0


def test_it_fails_a_whole_event_when_a_delta_would_go_below_zero(make_sku):
    sku = make_sku("VEN-6", EAST=2, WEST=2)
    body = event(
        "stock.delta",
        [
            {"sku": sku.code, "warehouse": "WEST", "delta": 5, "reason": "found"},
            {"sku": sku.code, "warehouse": "EAST", "delta": -3, "reason": "loss"},
        ],
    )

    assert post(body).status_code == 202

    stored = InboundEvent.objects.get()
    assert stored.status == "failed"
    assert [e["line"] for e in stored.errors] == [1]
    assert (level(sku, "WEST").on_hand, level(sku).on_hand) == (2, 2)


def test_it_says_restocking_once_stock_is_incoming(make_sku, api):
    sku = make_sku("VEN-7")
    body = event(
        "shipment.incoming",
        [{"sku": sku.code, "warehouse": "SOUTH", "quantity": 12, "eta": "2026-12-20"}],
    )

    post(body)

    answer = api.get(f"/api/v1/skus/{sku.code}/availability").json()
    assert (answer["status"], answer["incoming"]) == ("restocking", 12)
    assert answer["restock_eta"] == "2026-12-20"


def test_it_reports_an_events_status_to_its_signed_request(make_sku):
    sku = make_sku("VEN-8", EAST=1)
    post(
        event(
            "stock.delta",
            [delta(sku, "EAST", 4, "receipt")],
        )
    )

    url = "/webhooks/vendors/acme/events/ev-1"
    answer = Client().get(url, HTTP_X_SIGNATURE=signing.sign(b"", SECRET))
    unsigned = Client().get(url)

    assert answer.json() == {
        "status": "applied",
        "applied": 1,
        "stale": 0,
        "errors": [],
    }
    assert unsigned.status_code == 401


def test_it_answers_odd_addresses_in_json():
    client = Client()

    nul = client.get("/webhooks/vendors/acme/events/a%00b")
    unknown = client.post("/webhooks/vendors/acme/nothing-here")

    assert (nul.status_code, nul.json()["error"]) == (400, "invalid")
    assert (unknown.status_code, unknown.json()["error"]) == (404, "not_found")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("occurred_at", "0001-01-01T00:00:00+05:00"),
        ("occurred_at", "9999-12-31T23:59:59-05:00"),
        ("eta", "2026-W01-1"),
        ("eta", "20261201  "),
    ],
)
def test_it_refuses_times_and_dates_out_of_shape_or_range(make_sku, field, value):
    sku = make_sku("VEN-9")
    line = {"sku": sku.code, "warehouse": "EAST", "quantity": 3, "eta": "2026-12-20"}
    body = {
        "event_id": "odd",
        "occurred_at": "2026-12-04T10:00:00Z",
        "type": "shipment.incoming",
        "lines": [line],
    }
    (line if field == "eta" else body)[field] = value

    response = post(json.dumps(body).encode())

    assert response.status_code == 400
    assert level(sku).incoming == 0


def test_it_refuses_an_absurd_signature_time_with_401():
    response = Client().post(
        URL,
        b"{}",
        content_type="application/json",
        HTTP_X_SIGNATURE="t=" + "9" * 400 + ",v1=ab",
    )

    assert response.status_code == 401


def test_it_fails_an_event_that_would_pass_the_largest_figure(make_sku):
    sku = make_sku("VEN-10", SOUTH=999_999_999)

    post(event("stock.delta", [delta(sku, "SOUTH", 5)]))

    stored = InboundEvent.objects.get()
    assert stored.status == "failed"
    assert "would pass" in stored.errors[0]["detail"]
    assert level(sku, "SOUTH").on_hand == 999_999_999


def test_it_answers_a_wrong_method_in_json():
    response = Client().get(URL)

    assert (response.status_code, response.json()["error"]) == (
        405,
        "method_not_allowed",
    )


def test_it_clears_the_restock_date_once_everything_incoming_arrived(make_sku):
    sku = make_sku("VEN-11")
    incoming = {
        "sku": sku.code,
        "warehouse": "EAST",
        "quantity": 4,
        "eta": "2026-12-20",
    }
    post(event("shipment.incoming", [incoming], event_id="ship"))

    post(event("stock.delta", [delta(sku, "EAST", 4, "receipt")], event_id="got"))

    east = level(sku)
    assert (east.on_hand, east.incoming, east.restock_eta) == (4, 0, None)


def test_it_answers_401_to_a_signature_in_non_ascii_text(make_sku):
    sku = make_sku("VEN-ASCII", EAST=5)
    body = event("stock.delta", [delta(sku, "EAST", 2)])

    answer = Client().post(
        URL,
        body,
        content_type="application/json",
        HTTP_X_SIGNATURE=f"t={int(time.time())},v1=\u00e9",
    )

    assert answer.status_code == 401
    assert level(sku).on_hand == 5


def test_it_refuses_a_count_dated_in_the_future(make_sku):
    from datetime import UTC, datetime, timedelta

    sku = make_sku("VEN-FUT", EAST=5)
    ahead = (datetime.now(UTC) + timedelta(minutes=10)).isoformat()

    answer = post(event("stock.snapshot", [count(sku, "EAST", 9)], at=ahead))

    assert answer.status_code == 400
    assert "ahead of the shop's clock" in answer.json()["detail"]
    assert InboundEvent.objects.count() == 0


def test_a_count_a_little_ahead_is_dated_now_and_blocks_nothing(make_sku):
    from datetime import UTC, datetime, timedelta

    sku = make_sku("VEN-SKEW", EAST=5)
    ahead = (datetime.now(UTC) + timedelta(seconds=120)).isoformat()
    post(event("stock.snapshot", [count(sku, "EAST", 9)], event_id="a", at=ahead))
    time.sleep(0.01)
    now = datetime.now(UTC).isoformat()

    post(event("stock.snapshot", [count(sku, "EAST", 7)], event_id="b", at=now))

    assert level(sku).on_hand == 7


def test_it_refuses_the_shops_own_id_prefix_and_repeated_keys(make_sku):
    sku = make_sku("VEN-KEYS", EAST=5)
    lines = [delta(sku, "EAST", 2)]
    reserved = event("stock.delta", lines, event_id="shopify:wh-9")
    repeated = b'{"event_id": "a", "event_id": "b", ' + event("stock.delta", lines)[1:]

    assert post(reserved).status_code == 400
    answer = post(repeated)
    assert answer.status_code == 400
    assert "repeats the key" in answer.json()["detail"]
    assert level(sku).on_hand == 5
