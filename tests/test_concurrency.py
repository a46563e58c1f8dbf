"""Races against real PostgreSQL row locks, with exact final figures."""

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.db.models import Sum

from inventory import services
from inventory.errors import InsufficientStock, TransactionRequired
from inventory.locks import lock_skus
from inventory.models import LedgerEntry, Reservation
from orders import services as order_services
from tests.conftest import level
from tests.race import run_together

pytestmark = pytest.mark.postgres


def hold(code: str, quantity: int = 1, **kwargs):
    return lambda: services.reservation_create(lines=[(code, quantity)], **kwargs)


def test_it_grants_exactly_five_of_forty_racing_holds(make_sku):
    sku = make_sku("PRN-HOT", EAST=5)

    results = run_together([hold(sku.code) for _ in range(40)])

    granted = [r for r in results if isinstance(r, Reservation)]
    refused = [r for r in results if isinstance(r, InsufficientStock)]
    assert (len(granted), len(refused)) == (5, 35)
    east = level(sku)
    assert (east.on_hand, east.reserved, east.available) == (5, 5, 0)


def test_it_places_one_order_when_two_carts_race_for_three_units(make_sku):
    sku = make_sku("CHAIR-3", WEST=3)

    def checkout():
        reservation = services.reservation_create(lines=[(sku.code, 2)])
        return order_services.order_place(
            reservation_id=reservation.pk, email="buyer@example.com"
        )

    results = run_together([checkout, checkout])

    placed = [r for r in results if not isinstance(r, Exception)]
    assert len(placed) == 1
    assert isinstance(next(r for r in results if r not in placed), InsufficientStock)
    west = level(sku, "WEST")
    assert (west.on_hand, west.reserved, west.committed) == (3, 0, 2)


def test_it_adds_lines_of_one_sku_and_holds_all_or_nothing(make_sku):
    sku = make_sku("PAPER-5", EAST=5)

    with pytest.raises(InsufficientStock) as refusal:
        services.reservation_create(lines=[(sku.code, 3), (sku.code, 3)])
    assert refusal.value.extra["lines"] == [
        {"sku": sku.code, "requested": 6, "available": 5}
    ]
    assert level(sku).reserved == 0

    granted = services.reservation_create(lines=[(sku.code, 2), (sku.code, 3)])
    assert [ln.quantity for ln in granted.hold_lines] == [5]
    assert level(sku).reserved == 5


def test_it_counts_fifty_holds_and_ten_releases_exactly(make_sku):
    sku = make_sku("TONER-100", CENTRAL=100)

    holds = run_together([hold(sku.code) for _ in range(50)])
    assert all(isinstance(h, Reservation) for h in holds)
    run_together(
        [
            (lambda h=h: services.reservation_release(reservation_id=h.pk))
            for h in holds[:10]
        ]
    )

    central = level(sku, "CENTRAL")
    assert (central.on_hand, central.reserved) == (100, 40)
    sums = LedgerEntry.objects.filter(level=central).aggregate(
        on_hand=Sum("on_hand_delta"), reserved=Sum("reserved_delta")
    )
    assert sums == {"on_hand": 100, "reserved": 40}
    assert central.version == 1 + 50 + 10


def test_it_never_shows_negative_free_stock_during_a_race(make_sku):
    sku = make_sku("PHONE-7", SOUTH=7)
    samples, stop = [], threading.Event()

    def watch():
        while not stop.is_set():
            lv = level(sku, "SOUTH")
            samples.append(lv.on_hand - lv.reserved - lv.committed)
        connections.close_all()

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        results = run_together([hold(sku.code, 2) for _ in range(20)])
    finally:
        stop.set()
        watcher.join()

    assert sum(isinstance(r, Reservation) for r in results) == 3
    assert samples and min(samples) >= 0
    assert level(sku, "SOUTH").reserved == 6


def test_it_refuses_to_lock_outside_a_transaction(make_sku):
    sku = make_sku("DESK-TX", EAST=1)

    assert not connection.in_atomic_block
    with pytest.raises(TransactionRequired):
        lock_skus([sku.pk])


def test_it_makes_a_second_connection_wait_for_a_locked_row(make_sku):
    sku = make_sku("COPIER-2", EAST=2)
    locked, release = threading.Event(), threading.Event()

    def first():
        with transaction.atomic():
            lock_skus([sku.pk])
            locked.set()
            release.wait(10)
            return services.reservation_create(lines=[(sku.code, 1)])

    def second():
        locked.wait(10)
        return services.reservation_create(lines=[(sku.code, 1)])

    threads_done = []

    def release_when_second_waits():
        locked.wait(10)
        threads_done.append(wait_until_a_backend_waits_on_a_lock())
        release.set()
        return None

    results = run_together([first, second, release_when_second_waits])

    assert threads_done == [True]
    assert all(isinstance(r, Reservation) for r in results[:2])
    assert level(sku).reserved == 2


def wait_until_a_backend_waits_on_a_lock(timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0] >= 1:
                return True
            time.sleep(0.02)
    return False
