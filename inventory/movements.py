"""Apply changes to locked stock levels, with their ledger rows and events.

Every stock figure in the shop changes through ``apply_moves``. The caller
has locked the SKUs and their levels (inventory.locks); each move is still
a conditional UPDATE so that the database, not Python, has the last word on
whether the units are there.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from functools import partial

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from catalog.models import Sku

from . import availability, ledger
from .batchwrite import rows_write
from .errors import InsufficientStock, InvalidRequest
from .events import build_event, event_kind
from .locks import require_transaction
from .models import LedgerEntry, StockEvent, StockLevel
from .publisher import events_committed

logger = logging.getLogger(__name__)

FIELDS = ("on_hand", "reserved", "committed", "incoming", "safety_stock")
# No shop holds a billion units of one thing in one place; a figure past
# this is a typo, and the column's integer type ends not far above it.
MAX_FIGURE = 1_000_000_000


@dataclass
class Move:
    """A change to one locked level; zero fields are left alone."""

    level: StockLevel
    on_hand: int = 0
    reserved: int = 0
    committed: int = 0
    incoming: int = 0
    safety_stock: int = 0
    # Units this move takes out of ``available``: the UPDATE only runs when
    # at least that many are free at that moment.
    claims: int = 0
    # A new restock date, when ``set_eta`` says to write one (None clears).
    set_eta: bool = False
    restock_eta: date | None = None

    def deltas(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in FIELDS}

    def changes_anything(self) -> bool:
        eta_moves = self.set_eta and self.restock_eta != self.level.restock_eta
        return eta_moves or any(self.deltas().values())


def _update(move: Move, *, head: str) -> None:
    """Run the move's conditional UPDATE, moving the level's ledger head
    to ``head``; refuse it if the guard fails.

    The guard: every figure that falls stays at or above zero, a claim
    finds that many units free, and the level still has the head it was
    read with (a stale copy must not fork its ledger chain). The SQL is
    written out rather than built by the ORM: this runs under the hot
    SKU's lock, where every fraction of a millisecond is a buyer waiting.
    """
    level = move.level
    deltas = {name: delta for name, delta in move.deltas().items() if delta}
    for name, delta in deltas.items():
        if delta > 0 and getattr(level, name) + delta > MAX_FIGURE:
            raise InvalidRequest(
                f"{name} of {level.sku.code} would pass {MAX_FIGURE:,}"
            )

    sets = [f"{name} = {name} + %s" for name in deltas]
    params: list = list(deltas.values())
    if move.set_eta:
        sets.append("restock_eta = %s")
        params.append(connection.ops.adapt_datefield_value(move.restock_eta))
    sets += ["version = version + 1", "ledger_head = %s"]
    params.append(head)

    where = ["id = %s"]
    params.append(level.pk)
    if level.ledger_head is None:
        where.append("ledger_head IS NULL")
    else:
        where.append("ledger_head = %s")
        params.append(level.ledger_head)
    for name, delta in deltas.items():
        if delta < 0:
            where.append(f"{name} >= %s")
            params.append(-delta)
    if move.claims:
        where.append("on_hand - reserved - committed - safety_stock >= %s")
        params.append(move.claims)

    sql = (
        f"UPDATE {StockLevel._meta.db_table} SET {', '.join(sets)} "
        f"WHERE {' AND '.join(where)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.rowcount != 1:
            _refuse(move)

    for name, delta in deltas.items():
        setattr(level, name, getattr(level, name) + delta)
    if move.set_eta:
        level.restock_eta = move.restock_eta
    level.version += 1
    level.ledger_head = head


def _refuse(move: Move) -> None:
    """Raise why a move's UPDATE changed no row.

    A level whose head moved since it was read is a caller's bug (a level
    not read under the lock); the chain must not fork, so it is loud.
    """
    level = move.level
    moved = StockLevel.objects.filter(pk=level.pk).exclude(
        ledger_head=level.ledger_head
    )
    if moved.exists():
        raise RuntimeError(f"level {level.pk} changed since it was locked and read")
    raise InsufficientStock(
        f"{level.sku.code} in {level.warehouse.code} cannot take this change",
        lines=[
            {
                "sku": level.sku.code,
                "requested": move.claims or max(-d for d in move.deltas().values()),
                "available": availability.level_available(level),
            }
        ],
    )


def apply_moves(
    moves: list[Move],
    *,
    reason: str,
    actor: str,
    reservation=None,
    order=None,
    note: str = "",
    rows_before: list[tuple[type, list]] = (),
) -> list[StockEvent]:
    """Apply ``moves`` and record them; return the events written.

    Precondition: every level's SKU was locked by ``locks.lock_skus`` in
    this transaction, and ``level.sku.locked_levels`` holds all its levels.
    One ledger row and one ``inventory_updated`` event are written per
    move, in the caller's transaction, so they commit or vanish with it.
    ``rows_before`` ((model, unsaved rows) pairs, such as a hold and its
    lines) are written with them, once every guarded UPDATE has passed.
    """
    require_transaction()
    moves = [m for m in moves if m.changes_anything()]
    now = timezone.now()
    entries = []
    by_sku: dict[int, list[tuple[Move, int]]] = defaultdict(list)
    for move in moves:
        # Sealed before the UPDATE, which carries its hash as the level's
        # new head; several moves on one level chain in order.
        entry = ledger.entry_new(
            move.level,
            reason=reason,
            created_at=now,
            on_hand=move.on_hand,
            reserved=move.reserved,
            committed=move.committed,
            incoming=move.incoming,
            safety_stock=move.safety_stock,
            actor=actor,
            reservation=reservation,
            order=order,
            note=note,
        )
        before = availability.level_available(move.level)
        _update(move, head=entry.hash)
        change = availability.level_available(move.level) - before
        by_sku[move.level.sku_id].append((move, change))
        entries.append(entry)

    events, sequences = _events(by_sku, reason=reason)
    rows_write(
        [*rows_before, (LedgerEntry, entries), (StockEvent, events)],
        sequences=sequences,
        returning=events,
    )
    transaction.on_commit(partial(events_committed, events))
    return events


def _events(by_sku: dict, *, reason: str) -> tuple[list[StockEvent], dict]:
    """Return the events of the changes and, per SKU pk, how far its
    sequence moves (written with them by ``rows_write``)."""
    now = timezone.now()
    events, sequences = [], {}
    for sku_id, changes in by_sku.items():
        sku: Sku = changes[0][0].level.sku
        figures = availability.totals(
            sku.locked_levels, threshold=sku.low_stock_threshold
        )
        kind = event_kind(
            before=_figures_before(changes, figures, sku.low_stock_threshold),
            after=figures,
        )
        plain = StockEvent.Kind.INVENTORY_UPDATED
        for offset, (move, change) in enumerate(changes, start=1):
            events.append(
                build_event(
                    sku=sku,
                    warehouse_code=move.level.warehouse.code,
                    change=change,
                    reason=reason,
                    figures=figures,
                    sequence=sku.sequence + offset,
                    moment=now,
                    # One change to a SKU's status, told once: by the
                    # last event of the batch, whose figures show it.
                    kind=kind if offset == len(changes) else plain,
                )
            )
        sku.sequence += len(changes)
        sequences[sku_id] = len(changes)
    return events, sequences


def _figures_before(changes: list, after: dict, threshold: int) -> dict:
    """Return a SKU's available and status from before ``changes``."""
    available = after["available"] - sum(change for _, change in changes)
    incoming = after["incoming"] - sum(move.incoming for move, _ in changes)
    status = availability.sku_status(
        available=available, incoming=incoming, threshold=threshold
    )
    return {"available": available, "status": status}


def announce(sku: Sku, *, reason: str, before: dict) -> StockEvent:
    """Write an event for a locked SKU whose status may have moved while
    no figure did (a new low-stock threshold); return it.

    ``before`` holds the SKU's available and status from before the
    change. The event names the SKU's first warehouse with a change of 0,
    so pages and the cache follow it like any other.
    """
    require_transaction()
    figures = availability.totals(sku.locked_levels, threshold=sku.low_stock_threshold)
    event = build_event(
        sku=sku,
        warehouse_code=sku.locked_levels[0].warehouse.code,
        change=0,
        reason=reason,
        figures=figures,
        sequence=sku.sequence + 1,
        moment=timezone.now(),
        kind=event_kind(before=before, after=figures),
    )
    sku.sequence += 1
    Sku.objects.filter(pk=sku.pk).update(sequence=F("sequence") + 1)
    StockEvent.objects.bulk_create([event])
    transaction.on_commit(partial(events_committed, [event]))
    return event
