"""A hold of one SKU taken in one SQL statement: the hot path.

A sale on one popular printer sends every buyer at the same SKU row, and
the row's lock, held from the locking read to the commit, sets how many
holds a second the shop can grant. The general path
(``services.reservation_create``) makes five round trips while it holds
that lock; this one makes one. The statement locks exactly what the
general path locks, in the same order (the SKU's levels joined to the SKU,
in level order, as ``locks.lock_skus`` reads them), so the two paths can
wait on each other but never deadlock.

It takes the hold only when the simple case holds: no lapsed hold on the
SKU, a known ship-to region if one was named, and one level (the one the
general path would try first) with every unit asked for. Otherwise it
changes nothing and returns None, and the caller takes the general path,
which splits holds over warehouses, frees lapsed holds and explains
refusals. Both paths write the same rows: the hold and its line, a ledger
row sealed into its level's chain (``ledger.encoding_parts``), the SKU's
next sequence and its event, whose status and kind follow
``availability.sku_status`` and ``events.event_kind`` (a test runs both
paths over the same figures and compares).
"""

import json
import uuid
from datetime import timedelta
from functools import partial

import psycopg
from django.db import connection, transaction
from django.utils import timezone

from catalog.models import Sku

from . import availability, ledger
from .events import timestamp
from .models import (
    LedgerEntry,
    Reason,
    Reservation,
    ReservationLine,
    StockEvent,
    StockLevel,
    Warehouse,
)
from .publisher import events_committed

# ``moved`` reads the level as of the statement's start and, if a
# writer we waited for has changed it since, checks its WHERE again on the
# newest row (read committed's recheck). So the guard names only figures
# whose check must hold then too: a condition on the ledger head, which
# that writer moved, would drop the row before any recheck. The head is
# safe without one: ``pick`` read it under the lock this statement holds.
_STATEMENT = """
WITH home AS (
    SELECT id FROM inventory_warehouse WHERE code = %(ship_to)s::text
),
levels AS (
    SELECT l.id, l.warehouse_id, w.code AS house, l.ledger_head, l.incoming,
           greatest(0, l.on_hand - l.reserved - l.committed - l.safety_stock)
               AS free,
           s.id AS sku_id, s.sequence, s.low_stock_threshold AS threshold,
           EXISTS (
               SELECT 1 FROM inventory_reservationline r
               WHERE r.level_id = l.id AND r.active
                 AND r.expires_at <= %(now)s::timestamptz
           ) AS lapsed
    FROM inventory_stocklevel l
    JOIN catalog_sku s ON s.id = l.sku_id
    JOIN inventory_warehouse w ON w.id = l.warehouse_id
    WHERE s.code = %(code)s::text
    ORDER BY l.sku_id, l.id
    FOR UPDATE OF l, s
),
pick AS (
    SELECT levels.*, encode(sha256(convert_to(
               %(seal_0)s::text || levels.sku_id || %(seal_1)s::text
               || levels.warehouse_id || %(seal_2)s::text
               || to_json(levels.ledger_head::text)::text || %(seal_3)s::text,
               'UTF8')), 'hex') AS hash
    FROM levels
    WHERE NOT EXISTS (SELECT 1 FROM levels WHERE lapsed)
      AND (%(ship_to)s::text IS NULL OR EXISTS (SELECT 1 FROM home))
    ORDER BY levels.warehouse_id IS DISTINCT FROM (SELECT id FROM home),
             levels.free DESC, levels.house COLLATE "C"
    LIMIT 1
),
moved AS (
    UPDATE inventory_stocklevel l
    SET reserved = l.reserved + %(quantity)s::int, version = l.version + 1,
        ledger_head = pick.hash
    FROM pick
    WHERE l.id = pick.id AND pick.free >= %(quantity)s::int
      AND l.on_hand - l.reserved - l.committed - l.safety_stock >= %(quantity)s::int
    RETURNING l.id
),
hold AS (
    INSERT INTO inventory_reservation
        (id, status, ship_to_id, created_at, expires_at, actor)
    SELECT %(hold)s, %(active)s, (SELECT id FROM home), %(now)s, %(expires)s,
           %(actor)s
    FROM moved
),
line AS (
    INSERT INTO inventory_reservationline
        (reservation_id, level_id, quantity, active, expires_at)
    SELECT %(hold)s, moved.id, %(quantity)s, true, %(expires)s FROM moved
),
entry AS (
    INSERT INTO inventory_ledgerentry
        (level_id, reason, on_hand_delta, reserved_delta, committed_delta,
         incoming_delta, safety_stock_delta, actor, reservation_id, order_id,
         note, created_at, prev_hash, hash)
    SELECT moved.id, %(reason)s, 0, %(quantity)s, 0, 0, 0, %(actor)s, %(hold)s,
           NULL, '', %(now)s, pick.ledger_head, pick.hash
    FROM moved, pick
),
sums AS (
    SELECT min(sku_id) AS sku_id, min(sequence) + 1 AS sequence,
           min(threshold) AS threshold, sum(incoming) AS incoming,
           sum(free) AS before, sum(free) - %(quantity)s::int AS after
    FROM levels
),
figures AS (
    SELECT sums.*,
           CASE WHEN before > threshold THEN %(in_stock)s
                WHEN before > 0 THEN %(low_stock)s
                WHEN incoming > 0 THEN %(restocking)s
                ELSE %(out_of_stock)s END AS status_before,
           CASE WHEN after > threshold THEN %(in_stock)s
                WHEN after > 0 THEN %(low_stock)s
                WHEN incoming > 0 THEN %(restocking)s
                ELSE %(out_of_stock)s END AS status
    FROM sums
),
next_sequence AS (
    UPDATE catalog_sku s SET sequence = s.sequence + 1
    FROM moved, figures
    WHERE s.id = figures.sku_id
),
event AS (
    INSERT INTO inventory_stockevent (event_id, sku_id, sequence, payload,
                                      created_at, kind)
    SELECT %(event)s, f.sku_id, f.sequence,
           jsonb_build_object(
               'event_type', 'inventory_updated',
               'event_id', %(event)s::text,
               'sku_id', %(code)s::text,
               'warehouse_id', pick.house,
               'change', -%(quantity)s::int,
               'reason', %(reason)s::text,
               'available', f.after,
               'status', f.status,
               'sequence', f.sequence,
               'timestamp', %(stamp)s::text),
           %(now)s,
           CASE WHEN f.before > 0 AND f.after <= 0 THEN %(kind_out)s
                WHEN f.before <= 0 AND f.after > 0 THEN %(kind_back)s
                WHEN f.status = %(low_stock)s AND f.status_before = %(in_stock)s
                    THEN %(kind_low)s
                ELSE %(kind_plain)s END
    FROM moved, pick, figures f
    RETURNING id, sku_id, sequence, payload::text, kind
)
SELECT event.id, event.sku_id, event.sequence, event.payload, event.kind,
       pick.id, pick.warehouse_id, pick.house, (SELECT id FROM home)
FROM event, pick
"""
# One line, single-spaced: psycopg caches the conversion of statements up
# to 4 kB only, and this one runs on every hold.
_STATEMENT = " ".join(_STATEMENT.split())


def usable() -> bool:
    return connection.vendor == "postgresql"


def _bound_cursor():
    """Return a cursor that sends parameters apart from the statement.

    Django's cursors put the values into the SQL text, so every hold
    would be a new statement to plan: planning this one costs PostgreSQL
    more than running it. With the values bound, psycopg prepares the
    statement once per connection (``prepare_threshold`` in settings) and
    the pooled connection keeps it. Wrapped as Django wraps its own, so
    the query is still counted and timed; once prepared, Django's debug log
    shows it without its text, which psycopg does not keep for a prepared
    run.
    """
    connection.ensure_connection()
    return connection._prepare_cursor(psycopg.Cursor(connection.connection))


def hold_in_one_statement(
    *, code: str, quantity: int, ship_to: str | None, actor: str, ttl_seconds: int
) -> Reservation | None:
    """Hold ``quantity`` units of SKU ``code`` from one level, or do
    nothing and return None (see the module's docstring for when).

    Precondition: ``quantity`` was checked (services.check_quantity) and
    ``ship_to`` is None or text. The hold returned carries ``hold_lines``
    as the general path's does; their levels are known by pk, SKU code and
    warehouse code only (what the answer's body needs), not by figures.
    """
    now = timezone.now()
    expires_at = now + timedelta(seconds=ttl_seconds)
    hold_id, event_id = uuid.uuid4(), uuid.uuid4()
    unsealed = LedgerEntry(
        reason=Reason.RESERVATION,
        reserved_delta=quantity,
        actor=actor,
        reservation_id=hold_id,
        created_at=now,
    )
    seal = ledger.encoding_parts(unsealed)
    params = {
        "code": code,
        "quantity": quantity,
        "ship_to": ship_to.strip().upper() if ship_to else None,
        "now": now,
        "expires": expires_at,
        "hold": hold_id,
        "event": event_id,
        "actor": actor,
        "active": Reservation.Status.ACTIVE,
        "reason": Reason.RESERVATION,
        "stamp": timestamp(now),
        **{f"seal_{n}": part for n, part in enumerate(seal)},
        "in_stock": availability.IN_STOCK,
        "low_stock": availability.LOW_STOCK,
        "restocking": availability.RESTOCKING,
        "out_of_stock": availability.OUT_OF_STOCK,
        "kind_out": StockEvent.Kind.OUT_OF_STOCK,
        "kind_back": StockEvent.Kind.BACK_IN_STOCK,
        "kind_low": StockEvent.Kind.LOW_STOCK,
        "kind_plain": StockEvent.Kind.INVENTORY_UPDATED,
    }
    with _bound_cursor() as cursor:
        cursor.execute(_STATEMENT, params)
        row = cursor.fetchone()
    if row is None:
        return None

    (event_pk, sku_pk, sequence, payload, kind, level_pk, house_pk, house, home_pk) = (
        row
    )
    sku = Sku(pk=sku_pk, code=code)
    level = StockLevel(
        pk=level_pk, sku=sku, warehouse=Warehouse(pk=house_pk, code=house)
    )
    reservation = Reservation(
        id=hold_id,
        status=Reservation.Status.ACTIVE,
        ship_to_id=home_pk,
        created_at=now,
        expires_at=expires_at,
        actor=actor,
    )
    reservation.hold_lines = [
        ReservationLine(
            reservation=reservation,
            level=level,
            quantity=quantity,
            expires_at=expires_at,
        )
    ]
    event = StockEvent(
        pk=event_pk,
        event_id=event_id,
        sku=sku,
        sequence=sequence,
        payload=json.loads(payload),
        kind=kind,
        created_at=now,
    )
    for saved in (reservation, level, event, *reservation.hold_lines):
        saved._state.adding, saved._state.db = False, connection.alias
    transaction.on_commit(partial(events_committed, [event]))
    return reservation
