"""One-statement holds racing every other writer of the same SKU, on real
threads against PostgreSQL, with the books checked to the unit after."""

import json

import pytest
from django.test import Client

from catalog.models import Sku
from inventory import availability, quickhold, services, stockroom
from inventory.errors import StockError
from inventory.events import event_kind
from inventory.models import Reason, Reservation, StockEvent, StockLevel
from inventory.reconcile import stock_reconcile
from orders.services import order_place
from tests.conftest import level
from tests.race import run_together

pytestmark = pytest.mark.django_db(transaction=True)


def books_are_clean(*skus: Sku) -> None:
    found = stock_reconcile()
    assert not found.problems, (found.drifts, found.breaks)
    for sku in skus:
        sequences = list(
            StockEvent.objects.filter(sku=sku)
            .order_by("sequence")
            .values_list("sequence", flat=True)
        )
        assert sequences == list(range(1, len(sequences) + 1))
        assert Sku.objects.get(pk=sku.pk).sequence == len(sequences)
        levels = StockLevel.objects.filter(sku=sku)
        for lv in levels:
            assert min(lv.on_hand, lv.reserved, lv.committed, lv.incoming) >= 0
        last = StockEvent.objects.filter(sku=sku).latest("sequence").payload
        figures = availability.totals(levels, threshold=sku.low_stock_threshold)
        assert (last["available"], last["status"]) == (
            figures["available"],
            figures["status"],
        )


def events_follow_the_rules(sku: Sku, *, incoming: int) -> None:
    """Every event's status and kind follow from its own available and the
    one before it (incoming and the threshold stay put in these races)."""
    before = None
    for event in StockEvent.objects.filter(sku=sku).order_by("sequence"):
        p = event.payload
        status = availability.sku_status(
            available=p["available"],
            incoming=incoming,
            threshold=sku.low_stock_threshold,
        )
        assert p["status"] == status, (event.sequence, p)
        if before is not None:
            assert event.kind == event_kind(before=before, after=p), (event.sequence, p)
        before = p


def test_quick_holds_race_every_other_writer(make_sku):
    hot = make_sku("HOT-1", threshold=40, EAST=60, WEST=40, CENTRAL=20)
    other = make_sku("COLD-1", EAST=30)
    hot.refresh_from_db()
    to_release = [
        services.reservation_create(lines=[("HOT-1", 2)], actor="t") for _ in range(3)
    ]
    to_order = [
        services.reservation_create(lines=[("HOT-1", 4)], actor="t") for _ in range(2)
    ]
    lapsed = services.reservation_create(lines=[("HOT-1", 5)], actor="t", ttl_seconds=0)
    east, west, central = (level(hot, c) for c in ("EAST", "WEST", "CENTRAL"))

    def hold(qty, ship_to=None):
        return lambda: services.reservation_create(
            lines=[("HOT-1", qty)], ship_to=ship_to, actor="Zoë"
        )

    calls = [hold(3, ship_to) for ship_to in [None, "east", " West ", "CENTRAL"] * 4]
    calls += [
        lambda: services.reservation_create(
            lines=[("HOT-1", 2), ("COLD-1", 1)], actor="multi"
        )
    ] * 4
    calls += [
        (lambda r=r: services.reservation_release(reservation_id=r.pk, actor="t"))
        for r in to_release
    ]
    calls += [
        (lambda r=r: order_place(reservation_id=r.pk, email="a@example.com"))
        for r in to_order
    ]
    calls += [
        lambda: stockroom.level_adjust(
            level_id=east.pk, delta=5, reason=Reason.FOUND, actor="clerk"
        ),
        lambda: stockroom.level_count(level_id=west.pk, counted=35, actor="clerk"),
        lambda: stockroom.level_safety_stock_set(
            level_id=east.pk, safety_stock=2, actor="clerk"
        ),
        lambda: services.reservations_expire_lapsed(),
        lambda: stockroom.level_transfer(
            level_id=east.pk,
            to_warehouse_id=central.warehouse_id,
            quantity=1,
            actor="clerk",
        ),
    ]
    results = run_together(calls)
    failures = [r for r in results if isinstance(r, BaseException)]
    assert not failures, failures

    books_are_clean(hot, other)
    events_follow_the_rules(hot, incoming=0)
    lapsed.refresh_from_db()
    assert lapsed.status != Reservation.Status.ACTIVE
    # 120 + 5 found - 5 counted away = 120 on hand; held: 16 x 3 + 4 x 2 by
    # the racers, 2 x 4 ordered, safety 2.
    levels = StockLevel.objects.filter(sku=hot)
    assert sum(lv.on_hand for lv in levels) == 120
    assert sum(lv.reserved for lv in levels) == 16 * 3 + 4 * 2
    assert sum(lv.committed for lv in levels) == 8
    assert sum(lv.safety_stock for lv in levels) == 2
    assert sum(lv.reserved for lv in StockLevel.objects.filter(sku=other)) == 4


@pytest.mark.parametrize(
    "code",
    ["Q'\"%_\\x", "ünï-€-😀", "P" * 62, "a%b_c", "SELECT;--"],
)
def test_odd_codes_and_actors_seal_a_chain_that_verifies(make_sku, monkeypatch, code):
    quick = []
    real = quickhold.hold_in_one_statement
    monkeypatch.setattr(
        quickhold,
        "hold_in_one_statement",
        lambda **kw: quick.append(real(**kw)) or quick[-1],
    )
    sku = make_sku(code, threshold=10_000, EAST=10_000, WEST=10_000)
    held = services.reservation_create(lines=[(code, 10_000)], actor='Zoë 😀 \\"')
    assert [ln.quantity for ln in held.hold_lines] == [10_000]
    assert Reservation.objects.get(pk=held.pk).actor == 'Zoë 😀 \\"'
    event = StockEvent.objects.filter(sku=sku).latest("sequence")
    assert event.payload["sku_id"] == code
    assert (event.payload["available"], event.payload["status"], event.kind) == (
        10_000,
        availability.LOW_STOCK,
        StockEvent.Kind.LOW_STOCK,
    )
    services.reservation_create(lines=[(code, 10_000)], actor="Ærø")
    event = StockEvent.objects.filter(sku=sku).latest("sequence")
    assert (event.payload["available"], event.kind) == (
        0,
        StockEvent.Kind.OUT_OF_STOCK,
    )
    books_are_clean(sku)
    assert len(quick) == 2 and None not in quick


def test_one_idempotency_key_raced_on_the_plain_post_path_holds_once(make_sku):
    sku = make_sku("KEYED-1", EAST=50)
    body = json.dumps({"lines": [{"sku": "KEYED-1", "quantity": 2}]})
    other = json.dumps({"lines": [{"sku": "KEYED-1", "quantity": 3}]})

    def post(text):
        response = Client().post(
            "/api/v1/reservations",
            data=text,
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="same-key",
        )
        return response.status_code, response.json()

    answers = run_together([lambda: post(body)] * 8 + [lambda: post(other)] * 2)
    assert not [a for a in answers if isinstance(a, BaseException)], answers
    # Whichever body claims the key first wins; every same body replays it
    # and the other body is refused.
    granted = [a for a in answers if a[0] == 201]
    refused = [a for a in answers if a[0] != 201]
    assert len({a[1]["id"] for a in granted}) == 1
    won = granted[0][1]["lines"][0]["quantity"]
    assert len(granted) == {2: 8, 3: 2}[won]
    assert {(a[0], a[1]["error"]) for a in refused} == {(409, "idempotency_key_reused")}
    assert Reservation.objects.count() == 1
    assert level(sku, "EAST").reserved == won
    books_are_clean(sku)


def test_lapsed_holds_freed_once_while_holds_sweeps_and_orders_race(make_sku):
    hot = make_sku("LAPSE-1", threshold=5, EAST=40, WEST=10)
    lapsed = [
        services.reservation_create(lines=[("LAPSE-1", 2)], actor="t", ttl_seconds=0)
        for _ in range(6)
    ]
    west = level(hot, "WEST")

    def hold():
        return services.reservation_create(lines=[("LAPSE-1", 3)], actor="t")

    calls = [hold] * 8
    calls += [services.reservations_expire_lapsed] * 3
    calls += [
        (lambda r=r: services.reservation_release(reservation_id=r.pk, actor="t"))
        for r in lapsed[:2]
    ]
    calls += [
        (lambda r=r: order_place(reservation_id=r.pk, email="a@example.com"))
        for r in lapsed[2:4]
    ]
    calls += [lambda: stockroom.level_count(level_id=west.pk, counted=4, actor="c")]
    results = run_together(calls)

    unexpected = [
        r
        for r in results
        if isinstance(r, BaseException) and not isinstance(r, StockError)
    ]
    assert not unexpected, unexpected
    assert all(isinstance(r, Reservation) for r in results[:8])
    assert all(isinstance(r, StockError) for r in results[13:15])
    assert not Reservation.objects.filter(
        pk__in=[r.pk for r in lapsed], status=Reservation.Status.ACTIVE
    ).exists()
    books_are_clean(hot)
    events_follow_the_rules(hot, incoming=0)
    levels = StockLevel.objects.filter(sku=hot)
    assert sum(lv.reserved for lv in levels) == 8 * 3
    assert sum(lv.on_hand for lv in levels) == 44
    assert sum(lv.committed for lv in levels) == 0
