"""The ledger's hash chains: sealed by every writer, verified by
``reconcile``, broken by any edit or removal made behind the services."""

from datetime import datetime

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

from inventory import services
from inventory.ledger import chain_breaks, entry_hash
from inventory.locks import lock_skus
from inventory.models import LedgerEntry, Reservation, StockLevel
from inventory.movements import Move, apply_moves
from inventory.vendor_sync import DELTA, INCOMING, SNAPSHOT, vendor_lines_apply
from orders import services as order_services
from tests.conftest import level
from tests.race import run_together

pytestmark = pytest.mark.postgres

OCCURRED = datetime.fromisoformat("2026-12-04T10:00:00+00:00")


def rows_of(sku_code: str, warehouse: str = "EAST") -> list[LedgerEntry]:
    return list(
        LedgerEntry.objects.filter(
            level__sku__code=sku_code, level__warehouse__code=warehouse
        ).order_by("id")
    )


def sql(statement: str, *params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def reconcile_output(capsys) -> tuple[int, str]:
    """Run ``manage.py reconcile``; return its exit code and output."""
    try:
        call_command("reconcile")
    except SystemExit as exit_:
        return exit_.code, capsys.readouterr().out
    return 0, capsys.readouterr().out


def trade(make_sku) -> str:
    """Run a day of every kind of change on one SKU; return its code."""
    sku = make_sku("DESK-9", EAST=20, WEST=6)
    held = services.reservation_create(lines=[(sku.code, 5)], ship_to="EAST")
    released = services.reservation_create(lines=[(sku.code, 2)], ship_to="EAST")
    services.reservation_release(reservation_id=released.pk)
    lapsed = services.reservation_create(
        lines=[(sku.code, 1)], ship_to="EAST", ttl_seconds=0
    )
    order = order_services.order_place(reservation_id=held.pk, email="a@b.example")
    order_services.order_fulfil(
        order_id=order.pk, lines=[{"sku": sku.code, "quantity": 3}], actor="clerk"
    )
    order_services.order_return(
        order_id=order.pk,
        lines=[{"sku": sku.code, "quantity": 1, "condition": "refurbished"}],
        actor="clerk",
    )
    order_services.order_cancel(order_id=order.pk)
    services.stock_adjust(
        sku_code=sku.code,
        warehouse_code="WEST",
        delta=-1,
        reason="damage",
        actor="clerk",
        note="dropped ✓",
    )
    for kind, line in [
        (SNAPSHOT, {"sku": sku.code, "warehouse": "WEST", "on_hand": 9}),
        (DELTA, {"sku": sku.code, "warehouse": "EAST", "delta": 2, "reason": "found"}),
        (
            INCOMING,
            {"sku": sku.code, "warehouse": "EAST", "quantity": 4, "eta": "2026-12-20"},
        ),
    ]:
        vendor_lines_apply(kind=kind, lines=[line], occurred_at=OCCURRED, actor="acme")
    services.reservations_expire_lapsed()
    assert Reservation.objects.get(pk=lapsed.pk).status == "expired"
    return sku.code


def test_it_verifies_a_ledger_after_every_kind_of_change(make_sku, capsys):
    code = trade(make_sku)

    status, out = reconcile_output(capsys)

    assert status == 0
    assert "every ledger chain verifies" in out
    east = rows_of(code, "EAST")
    reasons = [row.reason for row in east]
    assert reasons == [
        "import",
        "reservation",
        "reservation",
        "release",
        "reservation",
        "sale",
        "fulfilment",
        "cancel",
        "found",
        "incoming",
        "expiry",
    ]
    assert [row.prev_hash for row in east] == ["", *[row.hash for row in east[:-1]]]
    assert level(code, "EAST").ledger_head == east[-1].hash
    assert level(f"{code}-R", "EAST").ledger_head == rows_of(f"{code}-R")[-1].hash


def test_it_chains_several_moves_on_one_level_in_their_order(make_sku):
    sku = make_sku("LAMP-2", EAST=3)

    with transaction.atomic():
        locked = lock_skus([sku.pk])[sku.pk]
        east = next(lv for lv in locked.locked_levels if lv.warehouse.code == "EAST")
        apply_moves(
            [Move(east, on_hand=2), Move(east, on_hand=-1), Move(east, incoming=5)],
            reason="adjustment",
            actor="clerk",
        )

    rows = rows_of(sku.code)
    assert [(r.on_hand_delta, r.incoming_delta) for r in rows] == [
        (3, 0),
        (2, 0),
        (-1, 0),
        (0, 5),
    ]
    assert [r.prev_hash for r in rows[1:]] == [r.hash for r in rows[:-1]]
    assert level(sku).ledger_head == rows[-1].hash
    assert chain_breaks() == []


def test_it_returns_two_conditions_onto_one_level_in_one_chain(make_sku):
    twin = make_sku("CHAIR-4").twin
    services.stock_adjust(
        sku_code=twin.code, warehouse_code="EAST", delta=4, reason="receipt", actor="t"
    )
    held = services.reservation_create(lines=[(twin.code, 3)], ship_to="EAST")
    order = order_services.order_place(reservation_id=held.pk, email="a@b.example")
    order_services.order_fulfil(order_id=order.pk)

    order_services.order_return(
        order_id=order.pk,
        lines=[
            {"sku": twin.code, "quantity": 1, "condition": "resellable"},
            {"sku": twin.code, "quantity": 2, "condition": "refurbished"},
        ],
    )

    returns = [r for r in rows_of(twin.code) if r.reason == "return"]
    assert [r.on_hand_delta for r in returns] == [2, 1]
    assert returns[1].prev_hash == returns[0].hash
    assert chain_breaks() == []


def test_it_names_a_row_edited_with_raw_sql(make_sku, capsys):
    code = trade(make_sku)
    edited = rows_of(code)[4]
    sql(
        "UPDATE inventory_ledgerentry SET reserved_delta = reserved_delta + 1 "
        "WHERE id = %s",
        edited.pk,
    )

    status, out = reconcile_output(capsys)

    assert status == 1
    assert (
        f"ledger chain broken at entry #{edited.pk} (SKU {code} in EAST): edited"
    ) in out.splitlines()
    assert out.count("ledger chain broken") == 1


def test_it_names_the_row_after_a_middle_row_removed(make_sku, capsys):
    code = trade(make_sku)
    rows = rows_of(code)
    sql("DELETE FROM inventory_ledgerentry WHERE id = %s", rows[3].pk)

    status, out = reconcile_output(capsys)

    assert status == 1
    assert (
        f"ledger chain broken at entry #{rows[4].pk} (SKU {code} in EAST): "
        "a row before it was removed"
    ) in out.splitlines()
    assert out.count("ledger chain broken") == 1


def test_it_catches_the_last_row_removed(make_sku, capsys):
    code = trade(make_sku)
    rows = rows_of(code, "WEST")
    assert [(r.reason, r.on_hand_delta) for r in rows] == [
        ("import", 6),
        ("damage", -1),
        ("count", 4),
    ]
    sql("DELETE FROM inventory_ledgerentry WHERE id = %s", rows[-1].pk)
    # The figure is taken back too, so only the chain can tell.
    sql(
        "UPDATE inventory_stocklevel SET on_hand = on_hand - 4 WHERE id = %s",
        rows[-1].level_id,
    )

    status, out = reconcile_output(capsys)

    assert status == 1
    assert out.splitlines() == [
        f"ledger chain broken after entry #{rows[-2].pk} (SKU {code} in WEST): "
        "a row after it was removed"
    ]


def test_it_catches_every_row_of_a_level_removed(make_sku):
    sku = make_sku("PEN-1", WEST=2)
    west = level(sku, "WEST")
    sql("DELETE FROM inventory_ledgerentry WHERE level_id = %s", west.pk)
    sql("UPDATE inventory_stocklevel SET on_hand = 0 WHERE id = %s", west.pk)

    (broken,) = chain_breaks()

    assert (
        str(broken) == "ledger chain broken (SKU PEN-1 in WEST): every row was removed"
    )


def test_it_catches_a_row_moved_to_another_level(make_sku):
    sku = make_sku("PEN-2", EAST=2, WEST=2)
    east, west = rows_of(sku.code, "EAST")[0], rows_of(sku.code, "WEST")[0]
    sql(
        "UPDATE inventory_ledgerentry SET level_id = %s, prev_hash = '' WHERE id = %s",
        west.level_id,
        east.pk,
    )

    breaks = [str(b) for b in chain_breaks()]

    assert f"ledger chain broken at entry #{east.pk} (SKU PEN-2 in WEST): edited" in (
        breaks
    )


def test_it_keeps_one_chain_while_writers_race_on_one_level(make_sku):
    sku = make_sku("TONER-8", EAST=40)

    def adjust():
        return services.stock_adjust(
            sku_code=sku.code, warehouse_code="EAST", delta=1, reason="found", actor="t"
        )

    def hold():
        return services.reservation_create(lines=[(sku.code, 1)])

    results = run_together([hold] * 6 + [adjust] * 4)

    assert not [r for r in results if isinstance(r, Exception)]
    rows = rows_of(sku.code)
    assert len(rows) == 1 + 10
    assert [r.prev_hash for r in rows[1:]] == [r.hash for r in rows[:-1]]
    east = level(sku)
    assert (east.on_hand, east.reserved, east.ledger_head) == (44, 6, rows[-1].hash)
    assert chain_breaks() == []


def test_it_refuses_a_stale_copy_of_a_level_rather_than_fork_the_chain(make_sku):
    sku = make_sku("CLIP-3", EAST=5)

    with pytest.raises(RuntimeError, match="changed since it was locked"):
        with transaction.atomic():
            locked = lock_skus([sku.pk])[sku.pk]
            east = next(
                lv for lv in locked.locked_levels if lv.warehouse.code == "EAST"
            )
            stale = StockLevel.objects.select_related("warehouse").get(pk=east.pk)
            stale.sku = locked
            apply_moves([Move(east, on_hand=1)], reason="found", actor="t")
            apply_moves([Move(stale, on_hand=1)], reason="found", actor="t")

    assert level(sku).on_hand == 5
    assert chain_breaks() == []


def test_a_hold_is_sealed_into_the_chain_by_its_one_statement(make_sku):
    sku = make_sku("HOT-1", EAST=10)
    services.reservation_create(lines=[(sku.code, 1)])

    with CaptureQueriesContext(connection) as hold:
        services.reservation_create(lines=[(sku.code, 1)])

    assert len(hold.captured_queries) == 1
    assert chain_breaks() == []
    entries = LedgerEntry.objects.filter(level__sku=sku, reason="reservation")
    assert entries.count() == 2
    assert level(sku).ledger_head == entries.latest("pk").hash


def test_it_chains_a_split_hold_without_another_round_trip(make_sku):
    sku = make_sku("HOT-2", EAST=1, WEST=1)

    with CaptureQueriesContext(connection) as hold:
        services.reservation_create(lines=[(sku.code, 2)])

    # A prepared statement is logged without its text (psycopg keeps none).
    statements = [q["sql"] or "" for q in hold.captured_queries]
    level_updates = [s for s in statements if s.startswith("UPDATE inventory_stock")]
    assert len(level_updates) == 2
    assert all("ledger_head = " in s for s in level_updates)
    assert not [s for s in statements if "inventory_ledgerentry" in s.split("(")[0]]
    assert not [s for s in statements if 'FROM "inventory_ledgerentry"' in s]
    assert chain_breaks() == []


def test_the_migration_chains_rows_written_before_it(make_sku):
    code = trade(make_sku)
    before = {r.pk: (r.created_at, r.on_hand_delta) for r in LedgerEntry.objects.all()}
    executor = MigrationExecutor(connection)
    executor.migrate([("inventory", "0006_stock_permissions")])
    executor.loader.build_graph()

    executor.migrate(executor.loader.graph.leaf_nodes())

    after = {r.pk: (r.created_at, r.on_hand_delta) for r in LedgerEntry.objects.all()}
    assert after == before
    rows = rows_of(code)
    assert rows[0].prev_hash == ""
    assert [r.prev_hash for r in rows[1:]] == [r.hash for r in rows[:-1]]
    assert level(code).ledger_head == rows[-1].hash
    assert chain_breaks() == []


def test_a_hash_changes_with_the_rows_content_and_its_level(make_sku):
    sku = make_sku("INK-5", EAST=2)
    row = rows_of(sku.code)[0]
    east = level(sku)
    sealed = entry_hash(row, sku_id=east.sku_id, warehouse_id=east.warehouse_id)

    row.note = "x"
    changed = entry_hash(row, sku_id=east.sku_id, warehouse_id=east.warehouse_id)
    elsewhere = entry_hash(row, sku_id=east.sku_id, warehouse_id=east.warehouse_id + 1)

    assert sealed == row.hash
    assert len({sealed, changed, elsewhere}) == 3
