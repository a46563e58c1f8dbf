"""What staff do to one level in the stock room: receive, count, adjust,
write off, transfer, set safety stock; and a SKU's low-stock threshold.

Each call locks the SKU and its levels (inventory.locks), checks the
version the clerk's form was opened at, and changes figures only through
``apply_moves``, so every change has its ledger row and its event. A form
opened before a sale and submitted after it is refused with the current
figures, never applied over them.
"""

import logging

from django.db import transaction

from catalog.models import Sku

from .availability import totals
from .errors import InsufficientStock, InvalidRequest, NotFound, VersionConflict
from .locks import lock_skus
from .models import Reason, StockLevel
from .movements import MAX_FIGURE, Move, announce, apply_moves
from .purchasing import owed_units, restock_eta_for
from .services import level_figures

logger = logging.getLogger(__name__)

# Reasons a manager may give for a plain adjustment; damage has its own
# write-off, counts their own form, receipts theirs.
ADJUST_REASONS = (Reason.ADJUSTMENT, Reason.FOUND, Reason.LOSS)
MAX_UNITS = 1_000_000


def _units(value: object, *, name: str, low: int = 1) -> int:
    if type(value) is not int or not low <= value <= MAX_UNITS:
        raise InvalidRequest(
            f"{name} must be a whole number from {low} to {MAX_UNITS:,}"
        )
    return value


def _locked(level_id: int, expected_version: int | None) -> StockLevel:
    """Lock the level's SKU and levels; return the level, or refuse a
    stale version with the figures as they are now."""
    sku_id = (
        StockLevel.objects.filter(pk=level_id).values_list("sku_id", flat=True).first()
    )
    if sku_id is None:
        raise NotFound(f"no stock level {level_id}")
    sku = lock_skus([sku_id])[sku_id]
    level = next(lv for lv in sku.locked_levels if lv.pk == level_id)
    if expected_version is not None and level.version != expected_version:
        raise VersionConflict(
            "the figures changed since this form was opened "
            f"(version {expected_version}, now {level.version})",
            current=level_figures(level),
        )
    return level


def level_receive(
    *,
    level_id: int,
    quantity: int,
    actor: str,
    expected_version: int | None = None,
    note: str = "",
) -> StockLevel:
    """Put received units on hand, free of any purchase order.

    Units a vendor announced as on their way (and no open purchase order
    owes) come off ``incoming``; units owed by an order stay there until
    they are received against it.
    """
    _units(quantity, name="quantity")
    with transaction.atomic():
        level = _locked(level_id, expected_version)
        announced = max(0, level.incoming - owed_units(level))
        arrived = min(quantity, announced)
        eta = restock_eta_for(level, incoming=level.incoming - arrived)
        move = Move(
            level, on_hand=quantity, incoming=-arrived, set_eta=True, restock_eta=eta
        )
        apply_moves([move], reason=Reason.RECEIPT, actor=actor, note=note)
    logger.info("%s received %d of %s", actor, quantity, level)
    return level


def level_count(
    *,
    level_id: int,
    counted: int,
    actor: str,
    expected_version: int | None = None,
    note: str = "",
) -> StockLevel:
    """Set on-hand units to what a cycle count found."""
    _units(counted, name="counted", low=0)
    with transaction.atomic():
        level = _locked(level_id, expected_version)
        change = counted - level.on_hand
        if change:
            move = Move(level, on_hand=change)
            apply_moves([move], reason=Reason.COUNT, actor=actor, note=note)
    logger.info("%s counted %d of %s", actor, counted, level)
    return level


def level_adjust(
    *,
    level_id: int,
    delta: int,
    reason: str,
    actor: str,
    expected_version: int | None = None,
    note: str = "",
) -> StockLevel:
    """Move on-hand units by ``delta`` for one of ADJUST_REASONS."""
    if reason not in ADJUST_REASONS:
        raise InvalidRequest(f"reason must be one of {', '.join(ADJUST_REASONS)}")
    if type(delta) is not int or delta == 0 or abs(delta) > MAX_UNITS:
        raise InvalidRequest(
            f"delta must be a non-zero whole number up to {MAX_UNITS:,}"
        )
    with transaction.atomic():
        level = _locked(level_id, expected_version)
        if level.on_hand + delta < 0:
            raise InsufficientStock(
                f"only {level.on_hand} on hand; {delta} would go below zero",
                lines=[{"sku": level.sku.code, "requested": -delta}],
            )
        move = Move(level, on_hand=delta)
        apply_moves([move], reason=reason, actor=actor, note=note)
    logger.info("%s adjusted %s by %d (%s)", actor, level, delta, reason)
    return level


def level_write_off(
    *,
    level_id: int,
    quantity: int,
    actor: str,
    expected_version: int | None = None,
    note: str = "",
) -> StockLevel:
    """Take damaged units off hand.

    Only free units can be written off: units held for a cart or sold to
    an order are promised, and writing them off would leave a promise
    with nothing behind it. Release the hold or cancel the order first.
    """
    _units(quantity, name="quantity")
    with transaction.atomic():
        level = _locked(level_id, expected_version)
        _require_free(level, quantity, doing="write off")
        move = Move(level, on_hand=-quantity, claims=quantity)
        apply_moves([move], reason=Reason.DAMAGE, actor=actor, note=note)
    logger.info("%s wrote off %d of %s", actor, quantity, level)
    return level


def level_transfer(
    *,
    level_id: int,
    to_warehouse_id: int,
    quantity: int,
    actor: str,
    expected_version: int | None = None,
    note: str = "",
) -> tuple[StockLevel, StockLevel]:
    """Move free units to the same SKU's level in another warehouse.

    Both levels are locked together, in pk order, with the SKU; both
    figures change in one transaction or neither does.
    """
    _units(quantity, name="quantity")
    with transaction.atomic():
        source = _locked(level_id, expected_version)
        target = next(
            (
                lv
                for lv in source.sku.locked_levels
                if lv.warehouse_id == to_warehouse_id
            ),
            None,
        )
        if target is None or target.pk == source.pk:
            raise InvalidRequest("choose another warehouse that stocks this SKU")
        _require_free(source, quantity, doing="move")
        if target.on_hand + quantity > MAX_FIGURE:
            raise InvalidRequest(f"on hand would pass {MAX_FIGURE:,}")
        moves = [
            Move(source, on_hand=-quantity, claims=quantity),
            Move(target, on_hand=quantity),
        ]
        note = note or f"{source.warehouse.code} to {target.warehouse.code}"
        apply_moves(moves, reason=Reason.TRANSFER, actor=actor, note=note)
    logger.info("%s moved %d of %s to %s", actor, quantity, source, target)
    return source, target


def level_safety_stock_set(
    *,
    level_id: int,
    safety_stock: int,
    actor: str,
    expected_version: int | None = None,
) -> StockLevel:
    """Set the units kept back from online sale at this level."""
    _units(safety_stock, name="safety stock", low=0)
    with transaction.atomic():
        level = _locked(level_id, expected_version)
        change = safety_stock - level.safety_stock
        if change:
            move = Move(level, safety_stock=change)
            apply_moves([move], reason=Reason.SAFETY_STOCK, actor=actor)
    logger.info("%s set safety stock of %s to %d", actor, level, safety_stock)
    return level


def sku_threshold_set(*, sku_id: int, threshold: int, actor: str) -> Sku:
    """Set the available units at or under which a SKU shows low stock.

    The status may change with it, so live pages and the cache are told
    through an event, as for any figure.
    """
    _units(threshold, name="threshold", low=0)
    with transaction.atomic():
        locked = lock_skus([sku_id])
        if sku_id not in locked:
            raise NotFound(f"no SKU {sku_id}")
        sku = locked[sku_id]
        if sku.low_stock_threshold != threshold:
            before = totals(sku.locked_levels, threshold=sku.low_stock_threshold)
            Sku.objects.filter(pk=sku_id).update(low_stock_threshold=threshold)
            sku.low_stock_threshold = threshold
            if sku.locked_levels:
                announce(sku, reason=Reason.THRESHOLD, before=before)
    logger.info(
        "%s set the low-stock threshold of %s to %d", actor, sku.code, threshold
    )
    return sku


def _require_free(level: StockLevel, quantity: int, *, doing: str) -> None:
    free = level.available
    if quantity > free:
        raise InsufficientStock(
            f"only {free} units of {level.sku.code} in {level.warehouse.code} "
            f"are free to {doing}; the rest are held, sold or kept back",
            lines=[{"sku": level.sku.code, "requested": quantity, "available": free}],
        )
