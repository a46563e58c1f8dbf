"""The one-statement hold (inventory.quickhold) against the general path.

Both must write the same thing for the same figures; the general path
stays the judge, since it is the one written in Python beside the rules
it follows (availability, event kinds, the ledger chain).
"""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH

from catalog.models import Sku
from inventory import quickhold, services
from inventory.api.serializers import ReservationSerializer, reservation_body
from inventory.errors import InsufficientStock, InvalidRequest
from inventory.ledger import chain_breaks
from inventory.models import (
    LedgerEntry,
    Reservation,
    ReservationLine,
    StockEvent,
    StockLevel,
)
from tests.conftest import level
from tests.race import run_together

pytestmark = pytest.mark.django_db(transaction=True)

WAREHOUSES = ("CENTRAL", "EAST", "SOUTH", "WEST")


def set_figures(sku: Sku, figures: dict[str, dict]) -> None:
    """Give the SKU's levels these figures (test set-up, not a stock
    change: no ledger row, no event)."""
    for code, values in figures.items():
        StockLevel.objects.filter(sku=sku, warehouse__code=code).update(**values)


def general_path(monkeypatch):
    monkeypatch.setattr(quickhold, "usable", lambda: False)


def outcome(sku: Sku, hold: Reservation) -> dict:
    """What a hold wrote, with the ids and moments that must differ
    between two SKUs left out."""
    event = StockEvent.objects.filter(sku=sku).latest("sequence")
    payload = {
        k: v
        for k, v in event.payload.items()
        if k not in ("event_id", "sku_id", "timestamp")
    }
    return {
        "lines": sorted(
            (ln.level.warehouse.code, ln.quantity)
            for ln in ReservationLine.objects.filter(reservation=hold)
        ),
        "levels": {
            code: (lv.on_hand, lv.reserved, lv.available)
            for code in WAREHOUSES
            for lv in [level(sku, code)]
        },
        "ledger": sorted(
            (e.level.warehouse.code, e.reason, e.reserved_delta, e.actor)
            for e in LedgerEntry.objects.filter(reservation=hold)
        ),
        "event": (event.kind, payload),
        "sku_sequence": Sku.objects.get(pk=sku.pk).sequence,
        "ship_to": hold.ship_to.code if hold.ship_to else None,
    }


CASES = {
    "plenty in one warehouse": ({"EAST": 20}, 0, {}, 2, None),
    "the most available first": ({"EAST": 5, "WEST": 9}, 0, {}, 3, None),
    "ties go by warehouse code": ({"EAST": 6, "WEST": 6, "SOUTH": 6}, 0, {}, 1, None),
    "home region first": ({"EAST": 9, "WEST": 4}, 0, {}, 2, "west"),
    "home short, others full": ({"EAST": 9, "WEST": 1}, 0, {}, 2, "WEST"),
    "into low stock": ({"EAST": 6}, 4, {}, 2, None),
    "already low": ({"EAST": 3}, 4, {}, 1, None),
    "the last units": ({"EAST": 2}, 1, {}, 2, None),
    "last units with more on the way": (
        {"EAST": 2},
        0,
        {"WEST": {"incoming": 5}},
        2,
        None,
    ),
    "safety stock kept back": ({"EAST": 10}, 0, {"EAST": {"safety_stock": 7}}, 3, None),
    "held elsewhere already": ({"EAST": 10}, 2, {"EAST": {"reserved": 6}}, 2, None),
    "a split over two": ({"EAST": 2, "WEST": 2}, 0, {}, 3, None),
    "committed to orders": ({"EAST": 10}, 3, {"EAST": {"committed": 4}}, 3, None),
    "another level over-held": (
        {"EAST": 10, "WEST": 2},
        5,
        {"WEST": {"reserved": 5}},
        4,
        None,
    ),
    "home padded with tabs": ({"EAST": 9, "WEST": 4}, 0, {}, 4, "\twest\n"),
    "everything there is, low threshold": ({"SOUTH": 10_000}, 9_999, {}, 10_000, None),
}


@pytest.mark.parametrize("case", CASES)
def test_both_paths_write_the_same_hold(make_sku, monkeypatch, case):
    stock, threshold, extra, quantity, ship_to = CASES[case]
    quick = make_sku("QUICK-1", threshold=threshold, **stock)
    general = make_sku("GENERAL-1", threshold=threshold, **stock)
    set_figures(quick, extra)
    set_figures(general, extra)

    with CaptureQueriesContext(connection) as queries:
        first = services.reservation_create(
            lines=[(quick.code, quantity)], ship_to=ship_to, actor="t"
        )
    general_path(monkeypatch)
    second = services.reservation_create(
        lines=[(general.code, quantity)], ship_to=ship_to, actor="t"
    )

    assert outcome(quick, first) == outcome(general, second)
    split = case in ("a split over two", "home short, others full")
    assert (len(queries.captured_queries) == 1) is not split
    places = [
        [(ln["warehouse"], ln["quantity"]) for ln in reservation_body(hold)["lines"]]
        for hold in (first, second)
    ]
    assert places[0] == places[1]
    assert chain_breaks() == []


def test_its_answer_is_the_serializers_body(make_sku):
    sku = make_sku("BODY-1", EAST=4)

    hold = services.reservation_create(lines=[(sku.code, 2)], ship_to="EAST")

    stored = Reservation.objects.get(pk=hold.pk)
    stored.hold_lines = list(
        stored.lines.select_related("level__sku", "level__warehouse")
    )
    expected = dict(
        ReservationSerializer(
            {
                "id": stored.pk,
                "status": stored.status,
                "expires_at": stored.expires_at,
                "lines": [
                    {"sku": sku.code, "warehouse": "EAST", "quantity": 2},
                ],
            }
        ).data
    )
    assert reservation_body(hold) == expected == reservation_body(stored)


def test_it_leaves_a_lapsed_hold_to_the_general_path_which_frees_it(make_sku):
    sku = make_sku("LAPSE-1", EAST=3)
    old = services.reservation_create(lines=[(sku.code, 3)])
    Reservation.objects.filter(pk=old.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    ReservationLine.objects.filter(reservation=old).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    with CaptureQueriesContext(connection) as queries:
        services.reservation_create(lines=[(sku.code, 2)])

    assert len(queries.captured_queries) > 1
    assert (level(sku, "EAST").reserved, level(sku, "EAST").available) == (2, 1)
    assert chain_breaks() == []


@pytest.mark.parametrize(
    "lines, ship_to, error",
    [
        ([("NOPE-1", 1)], None, InvalidRequest),
        ([("REFUSE-1", 1)], "MARS", InvalidRequest),
        ([("REFUSE-1", 4)], None, InsufficientStock),
    ],
)
def test_refusals_come_from_the_general_path_and_change_nothing(
    make_sku, lines, ship_to, error
):
    sku = make_sku("REFUSE-1", EAST=3)
    sequence = Sku.objects.get(pk=sku.pk).sequence

    with pytest.raises(error):
        services.reservation_create(lines=lines, ship_to=ship_to)

    assert Reservation.objects.count() == 0
    assert level(sku, "EAST").reserved == 0
    assert Sku.objects.get(pk=sku.pk).sequence == sequence


def test_both_paths_racing_on_one_sku_grant_exactly_what_is_there(make_sku):
    """Single-SKU holds (one statement) race two-SKU holds (general path,
    which locks both SKUs) and releases: no deadlock, no unit lost or
    doubled, one event per change with no gap in the sequence."""
    hot = make_sku("RACE-HOT", EAST=12, WEST=8)
    other = make_sku("RACE-OTHER", EAST=50)
    start = Sku.objects.get(pk=hot.pk).sequence
    early = [services.reservation_create(lines=[(hot.code, 1)]) for _ in range(3)]

    calls = []
    for n in range(36):
        if n % 3 == 0:
            calls.append(
                lambda: services.reservation_create(
                    lines=[(other.code, 1), (hot.code, 2)]
                )
            )
        else:
            calls.append(lambda: services.reservation_create(lines=[(hot.code, 1)]))
    for hold in early:
        calls.append(lambda pk=hold.pk: services.reservation_release(reservation_id=pk))
    results = run_together(calls)

    unexpected = [
        r
        for r in results
        if isinstance(r, Exception) and not isinstance(r, InsufficientStock)
    ]
    assert unexpected == []
    granted = sum(
        ln.quantity
        for r in results[:36]
        if isinstance(r, Reservation)
        for ln in r.hold_lines
        if ln.level.sku.code == hot.code
    )
    active = ReservationLine.objects.filter(active=True, level__sku=hot)
    east, west = level(hot, "EAST"), level(hot, "WEST")
    assert granted == sum(ln.quantity for ln in active)
    assert east.reserved + west.reserved == granted
    assert east.available + west.available == 20 - granted
    # Every unit was asked for many times over; at most the three released
    # late (after every other call had been answered) can be left free.
    assert granted >= 17
    sequences = list(
        StockEvent.objects.filter(sku=hot, sequence__gt=start)
        .order_by("sequence")
        .values_list("sequence", flat=True)
    )
    assert sequences == list(range(start + 1, Sku.objects.get(pk=hot.pk).sequence + 1))
    assert LedgerEntry.objects.filter(level__sku=hot, reason="release").count() == 3
    assert chain_breaks() == []


def test_it_still_holds_in_one_statement_after_waiting_on_another_writer(make_sku):
    """The statement waits for a writer holding the SKU's lock, then
    holds against the figures that writer committed (not the ones it saw
    when it began), rather than give up to the general path."""
    sku = make_sku("WAIT-1", EAST=10)
    locked = threading.Event()

    def writer():
        with transaction.atomic():
            services.reservation_create(lines=[(sku.code, 3)])
            locked.set()
            time.sleep(0.5)
        connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    assert locked.wait(10)
    held = quickhold.hold_in_one_statement(
        code=sku.code, quantity=2, ship_to=None, actor="t", ttl_seconds=60
    )
    thread.join()

    assert held is not None
    assert (level(sku, "EAST").reserved, level(sku, "EAST").available) == (5, 5)
    assert chain_breaks() == []


def test_its_statement_stays_short_enough_for_psycopg_to_cache():
    # Past this length psycopg converts the statement again on every hold.
    assert len(quickhold._STATEMENT.encode()) <= MAX_CACHED_STATEMENT_LENGTH


def test_its_statement_is_prepared_once_on_the_connection(make_sku):
    # Django turns psycopg's preparing off unless settings ask for it;
    # planning this statement on every hold cost more than running it.
    sku = make_sku("PREP-1", EAST=10)
    for _ in range(3):
        services.reservation_create(lines=[(sku.code, 1)])

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements "
            "WHERE statement LIKE 'WITH home AS%%'"
        )
        assert cursor.fetchone()[0] == 1
    assert level(sku, "EAST").reserved == 3
