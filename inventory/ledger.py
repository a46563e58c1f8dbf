"""The ledger's hash chain: every row sealed over its own content and the
hash of the row before it on the same stock level.

A row's ``hash`` is SHA-256 over a canonical encoding of what it says
(which SKU and warehouse, why, each delta, who, for which hold or order,
the note, when) and its ``prev_hash``. The level keeps the newest row's
hash as ``ledger_head``, written by the same conditional UPDATE that
changes its figures, so chaining costs neither a lock nor a query: the
level is already locked by ``inventory.locks``.

An edited row no longer matches its hash; a removed row leaves the next
one pointing at a hash that is not its predecessor's; a removed last row
leaves the level's head pointing at nothing. ``chain_breaks`` finds all
three.
"""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from .models import LedgerEntry, StockLevel

# Part of every hashed encoding. A new encoding gets a new number and a
# migration that re-seals the rows, as 0007_ledger_chain sealed them.
CHAIN_VERSION = 1
# The columns a row's hash covers, besides its level's SKU and warehouse.
SEALED_FIELDS = (
    "reason",
    "on_hand_delta",
    "reserved_delta",
    "committed_delta",
    "incoming_delta",
    "actor",
    "reservation_id",
    "order_id",
    "note",
    "created_at",
    "prev_hash",
)
# Columns added after version 1 join the encoding only when they carry
# something, so rows sealed before they existed keep their seals, and a
# change to one of them still breaks its row's.
LATER_FIELDS = ("safety_stock_delta",)
EDITED = "edited"
GAP = "a row before it was removed"
TAIL = "a row after it was removed"
EMPTIED = "every row was removed"


def entry_hash(entry, *, sku_id: int, warehouse_id: int) -> str:
    """Return the hex SHA-256 sealing ``entry``, any object carrying the
    SEALED_FIELDS (a LedgerEntry, a historical model, a row tuple)."""
    encoded = _encoding(
        entry, sku_id=sku_id, warehouse_id=warehouse_id, prev_hash=entry.prev_hash
    )
    return hashlib.sha256(encoded.encode("ascii")).hexdigest()


def _encoding(entry, *, sku_id, warehouse_id, prev_hash) -> str:
    values = [CHAIN_VERSION, sku_id, warehouse_id]
    for name in SEALED_FIELDS:
        value = prev_hash if name == "prev_hash" else getattr(entry, name)
        values.append(_canonical(value))
    for name in LATER_FIELDS:
        value = getattr(entry, name, 0)
        if value:
            values.append([name, _canonical(value)])
    return json.dumps(values, ensure_ascii=True, separators=(",", ":"))


# Stand-ins for the values only the database knows when a hold is sealed
# inside one SQL statement (see ``encoding_parts``). The encoding escapes
# every control character, so no real value can contain one of them.
_MARKS = ("\x00sku", "\x00warehouse", "\x00prev")


def encoding_parts(entry) -> list[str]:
    """Return ``entry``'s encoding cut where its SKU id, warehouse id and
    previous hash go: four pieces of text.

    For a row sealed by SQL that picks the level itself: the statement
    joins the pieces around the ids it found and the level's head as a
    JSON string, then hashes them, and the row verifies like any other.
    """
    sku, warehouse, prev = (_canonical(m) for m in _MARKS)
    text = _encoding(entry, sku_id=sku, warehouse_id=warehouse, prev_hash=prev)
    quoted = [json.dumps(m, ensure_ascii=True) for m in _MARKS]
    first, rest = text.split(quoted[0])
    second, rest = rest.split(quoted[1])
    third, fourth = rest.split(quoted[2])
    return [first, second, third, fourth]


def _canonical(value):
    if isinstance(value, datetime):
        # Always UTC and always six decimals, however it was read back.
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if value is None or isinstance(value, int):
        return value
    # Text, reason choices and UUIDs all as their plain text.
    return str(value)


def entry_new(
    level: StockLevel,
    *,
    reason: str,
    created_at: datetime,
    on_hand: int = 0,
    reserved: int = 0,
    committed: int = 0,
    incoming: int = 0,
    safety_stock: int = 0,
    actor: str = "",
    reservation=None,
    order=None,
    note: str = "",
) -> LedgerEntry:
    """Return an unsaved ledger row for ``level``, chained to its head.

    The one way to make a ledger row. The caller must store the row and
    set ``level.ledger_head`` to its ``hash`` in the same transaction,
    holding the level's lock (or having just created the level).
    """
    entry = LedgerEntry(
        level=level,
        reason=reason,
        on_hand_delta=on_hand,
        reserved_delta=reserved,
        committed_delta=committed,
        incoming_delta=incoming,
        safety_stock_delta=safety_stock,
        actor=actor,
        reservation=reservation,
        order=order,
        note=note[:300],
        created_at=created_at,
        prev_hash=level.ledger_head,
    )
    entry.hash = entry_hash(entry, sku_id=level.sku_id, warehouse_id=level.warehouse_id)
    return entry


@dataclass(frozen=True)
class ChainBreak:
    """Where one level's chain stops verifying, and how."""

    sku: str
    warehouse: str
    entry_id: int | None
    kind: str

    @property
    def key(self) -> str:
        return f"chain {self.sku}@{self.warehouse} #{self.entry_id} {self.kind}"

    def __str__(self) -> str:
        where = f"(SKU {self.sku} in {self.warehouse})"
        if self.kind == EMPTIED:
            return f"ledger chain broken {where}: {self.kind}"
        at = "after" if self.kind == TAIL else "at"
        return f"ledger chain broken {at} entry #{self.entry_id} {where}: {self.kind}"


def chain_breaks(*, chunk_size: int = 2000) -> list[ChainBreak]:
    """Verify every level's chain; return each break, in level order.

    Rows are streamed in (level, id) order, so memory holds a chunk of
    rows and every level's head. Run it inside a transaction with one
    snapshot (``reconcile.stock_reconcile`` does), or a change committed
    during the walk would look like a break.
    """
    heads = {
        row[0]: row[1:]
        for row in StockLevel.objects.values_list(
            "pk", "sku_id", "warehouse_id", "ledger_head"
        ).iterator(chunk_size=chunk_size)
    }
    rows = (
        LedgerEntry.objects.order_by("level_id", "id")
        .values_list(
            "id", "level_id", "hash", *SEALED_FIELDS, *LATER_FIELDS, named=True
        )
        .iterator(chunk_size=chunk_size)
    )
    found = list(_walk(rows, heads))
    return _named(found)


def _walk(rows, heads: dict) -> Iterator[tuple[int, int | None, str]]:
    """Yield (level id, entry id, kind) for each break, in level order.

    After a break the walk goes on from the stored hash, so one edited
    row is reported once and a later break on the same level still is.
    """
    level_id, expected, last = None, "", None
    unseen = set(heads)
    for row in rows:
        if row.level_id != level_id:
            if level_id is not None and expected != heads[level_id][2]:
                yield level_id, last, TAIL
            level_id, expected = row.level_id, ""
            unseen.discard(level_id)
            sku_id, warehouse_id, _ = heads[level_id]

        if entry_hash(row, sku_id=sku_id, warehouse_id=warehouse_id) != row.hash:
            yield level_id, row.id, EDITED
        elif row.prev_hash != expected:
            yield level_id, row.id, GAP
        expected, last = row.hash, row.id

    if level_id is not None and expected != heads[level_id][2]:
        yield level_id, last, TAIL
    for empty in sorted(unseen):
        if heads[empty][2]:
            yield empty, None, EMPTIED


def _named(found: list[tuple[int, int | None, str]]) -> list[ChainBreak]:
    """Return the breaks found, each naming its SKU and warehouse."""
    if not found:
        return []
    names = {
        pk: (sku, warehouse)
        for pk, sku, warehouse in StockLevel.objects.filter(
            pk__in={level_id for level_id, _, _ in found}
        ).values_list("pk", "sku__code", "warehouse__code")
    }
    found.sort(key=lambda b: (b[0], b[1] or 0))
    return [ChainBreak(*names[lv], entry, kind) for lv, entry, kind in found]
