"""Writes to orders: placing, cancelling, fulfilling and returning.

Every stock figure they touch changes through inventory.movements, under
the locks of inventory.locks: SKUs first, then the order or hold.
"""

import logging
from collections import Counter

from django.db import transaction
from django.utils import timezone

from catalog.models import Sku
from inventory.errors import (
    FulfilmentExceedsOpen,
    InvalidRequest,
    NotFound,
    OrderStateConflict,
    ReservationExpired,
    ReservationUsed,
    ReturnExceedsShipped,
    as_uuid,
)
from inventory.locks import lock_skus
from inventory.models import Reason, Reservation, ReservationLine
from inventory.movements import Move, apply_moves
from inventory.services import check_quantity

from .models import Order, OrderLine, Return, ReturnLine

logger = logging.getLogger(__name__)

Status = Order.Status


def _levels_of(locked: dict) -> dict:
    return {lv.pk: lv for sku in locked.values() for lv in sku.locked_levels}


def order_place(*, reservation_id, email: str, actor: str = "") -> Order:
    """Turn a live hold into an order: its units move from reserved to
    committed. A lapsed or released hold is refused, and so is one that
    already became an order.
    """
    reservation_id = as_uuid(reservation_id, error="unknown_reservation")
    with transaction.atomic():
        sku_ids = ReservationLine.objects.filter(
            reservation_id=reservation_id
        ).values_list("level__sku_id", flat=True)
        locked = lock_skus(sku_ids)
        try:
            reservation = Reservation.objects.select_for_update().get(pk=reservation_id)
        except Reservation.DoesNotExist:
            raise NotFound(
                f"no reservation {reservation_id}", error="unknown_reservation"
            ) from None

        if reservation.status == Reservation.Status.USED:
            raise ReservationUsed("this reservation is already an order")
        if reservation.status == Reservation.Status.RELEASED:
            raise ReservationExpired("this reservation was released")
        lapsed = reservation.expires_at <= timezone.now()
        if reservation.status == Reservation.Status.EXPIRED or lapsed:
            raise ReservationExpired("this reservation has expired")

        hold_lines = list(reservation.lines.select_for_update().filter(active=True))
        order = Order.objects.create(reservation=reservation, email=email)
        OrderLine.objects.bulk_create(
            OrderLine(order=order, level_id=ln.level_id, quantity=ln.quantity)
            for ln in hold_lines
        )
        levels = _levels_of(locked)
        moves = [
            Move(levels[ln.level_id], reserved=-ln.quantity, committed=ln.quantity)
            for ln in hold_lines
        ]
        apply_moves(
            moves,
            reason=Reason.SALE,
            actor=actor,
            reservation=reservation,
            order=order,
        )
        ReservationLine.objects.filter(reservation=reservation).update(active=False)
        reservation.status = Reservation.Status.USED
        reservation.save(update_fields=["status"])

    logger.info("order %s placed", order.pk, extra={"order": str(order.pk)})
    return order


def _locked_order(order_id, *, extra_sku_ids=()) -> tuple[Order, dict]:
    """Lock an order's SKUs (and any others named), then the order."""
    order_id = as_uuid(order_id, error="unknown_order")
    sku_ids = list(
        OrderLine.objects.filter(order_id=order_id).values_list(
            "level__sku_id", flat=True
        )
    )
    locked = lock_skus([*sku_ids, *extra_sku_ids])
    try:
        order = Order.objects.select_for_update().get(pk=order_id)
    except Order.DoesNotExist:
        raise NotFound(f"no order {order_id}", error="unknown_order") from None
    levels = _levels_of(locked)
    order.locked_lines = list(order.lines.select_for_update().order_by("pk"))
    for line in order.locked_lines:
        line.sku_code = levels[line.level_id].sku.code
    return order, locked


def order_cancel(*, order_id, actor: str = "") -> Order:
    """Cancel an order, giving back every unit not yet shipped.

    Cancelling a cancelled order does nothing; one shipped in full cannot
    be cancelled (a return is the way back for shipped units).
    """
    with transaction.atomic():
        order, locked = _locked_order(order_id)
        if order.status == Status.CANCELLED:
            return order
        if order.status == Status.FULFILLED:
            raise OrderStateConflict("this order has shipped in full")

        levels = _levels_of(locked)
        moves = []
        for line in order.locked_lines:
            open_units = line.open_quantity
            if open_units:
                moves.append(Move(levels[line.level_id], committed=-open_units))
                line.cancelled += open_units
        OrderLine.objects.bulk_update(order.locked_lines, ["cancelled"])
        apply_moves(moves, reason=Reason.CANCEL, actor=actor, order=order)
        order.status = Status.CANCELLED
        order.cancelled_at = timezone.now()
        order.save(update_fields=["status", "cancelled_at"])

    logger.info("order %s cancelled", order.pk)
    return order


def _requested(lines, *, with_condition: bool = False) -> Counter:
    if not isinstance(lines, list) or not lines:
        raise InvalidRequest("lines must be a non-empty list")
    wanted: Counter = Counter()
    for line in lines:
        if not isinstance(line, dict) or not isinstance(line.get("sku"), str):
            raise InvalidRequest("each line needs a sku and a quantity")
        key = line["sku"]
        if with_condition:
            condition = line.get("condition")
            if condition not in Return.Condition.values:
                raise InvalidRequest(
                    "condition must be resellable, refurbished or damaged"
                )
            warehouse = line.get("warehouse")
            if warehouse is not None and not isinstance(warehouse, str):
                raise InvalidRequest("warehouse must be a warehouse code")
            key = (line["sku"], condition, warehouse)
        wanted[key] += check_quantity(line.get("quantity"))
    return wanted


def order_fulfil(*, order_id, lines=None, actor: str = "") -> Order:
    """Ship the whole order, or the units of ``lines`` ([{sku, quantity}]).

    On-hand and committed units fall together. Shipping more of a SKU than
    is still open is refused whole.
    """
    wanted = None if lines is None else _requested(lines)
    with transaction.atomic():
        order, locked = _locked_order(order_id)
        if order.status in (Status.CANCELLED, Status.FULFILLED):
            raise OrderStateConflict(f"this order is {order.status}")

        order_lines = order.locked_lines
        if wanted is None:
            shipments = {ln.pk: ln.open_quantity for ln in order_lines}
        else:
            shipments = _spread(wanted, order_lines, room="open_quantity")

        levels = _levels_of(locked)
        moves = []
        for line in order_lines:
            units = shipments.get(line.pk, 0)
            if units:
                level = levels[line.level_id]
                moves.append(Move(level, on_hand=-units, committed=-units))
                line.shipped += units
        if not moves:
            raise OrderStateConflict("nothing is left to ship on this order")
        OrderLine.objects.bulk_update(order_lines, ["shipped"])
        apply_moves(moves, reason=Reason.FULFILMENT, actor=actor, order=order)

        done = all(line.open_quantity == 0 for line in order_lines)
        order.status = Status.FULFILLED if done else Status.PARTIALLY_FULFILLED
        order.save(update_fields=["status"])

    logger.info("order %s fulfilment: %s", order.pk, order.status)
    return order


def _returnable(line: OrderLine) -> int:
    return line.shipped - line.returned


def _spread(wanted: Counter, order_lines: list, *, room: str) -> dict[int, int]:
    """Share each SKU's units over the order's lines of that SKU.

    Return units per order line pk. Refuse a SKU the order does not have,
    or more units than its lines have room for; ``room`` names the
    attribute that says how many a line can take.
    """
    result: dict[int, int] = {}
    for code, units in wanted.items():
        lines = [ln for ln in order_lines if ln.sku_code == code]
        if not lines:
            raise InvalidRequest(f"{code} is not on this order")
        space = sum(_room(ln, room) for ln in lines)
        if units > space:
            error = (
                FulfilmentExceedsOpen
                if room == "open_quantity"
                else ReturnExceedsShipped
            )
            raise error(
                f"{code}: {units} asked for, {space} possible",
                lines=[{"sku": code, "requested": units, "available": space}],
            )

        for line in lines:
            take = min(units, _room(line, room))
            if take:
                result[line.pk] = result.get(line.pk, 0) + take
                units -= take
    return result


def _room(line: OrderLine, room: str) -> int:
    return line.open_quantity if room == "open_quantity" else _returnable(line)


def _twin_level(level, locked: dict):
    """Return the level of the SKU's refurbished twin in the same place."""
    sku = level.sku
    twin = locked.get(sku.twin_id) if sku.twin_id else sku
    for candidate in twin.locked_levels:
        if candidate.warehouse_id == level.warehouse_id:
            return candidate
    raise InvalidRequest(f"{twin.code} is not stocked in {level.warehouse.code}")


def order_return(*, order_id, lines, actor: str = "") -> Return:
    """Take shipped units back: resellable to the shelf they left,
    refurbished to the SKU's twin there, damaged to neither.

    The units returned of a SKU, over all returns, never exceed what was
    shipped of it; a return beyond that is refused whole.
    """
    wanted = _requested(lines, with_condition=True)
    codes = {code for code, _, _ in wanted}
    twin_ids = Sku.objects.filter(code__in=codes, twin__isnull=False).values_list(
        "twin_id", flat=True
    )
    with transaction.atomic():
        order, locked = _locked_order(order_id, extra_sku_ids=twin_ids)
        totals: Counter = Counter()
        for (code, _, _), units in wanted.items():
            totals[code] += units
        _spread(totals, order.locked_lines, room="returned")

        levels = _levels_of(locked)
        ret = Return.objects.create(order=order, actor=actor)
        moves, return_lines = [], []
        for (code, condition, warehouse), units in sorted(wanted.items(), key=str):
            # A line naming its warehouse comes back to that shelf only.
            candidates = [
                line
                for line in order.locked_lines
                if warehouse is None
                or levels[line.level_id].warehouse.code == warehouse
            ]
            share = _spread(Counter({code: units}), candidates, room="returned")
            for line in candidates:
                taken = share.get(line.pk, 0)
                if not taken:
                    continue
                line.returned += taken
                return_lines.append(
                    ReturnLine(
                        ret=ret, order_line=line, quantity=taken, condition=condition
                    )
                )
                level = levels[line.level_id]
                if condition == Return.Condition.RESELLABLE:
                    moves.append(Move(level, on_hand=taken))
                elif condition == Return.Condition.REFURBISHED:
                    moves.append(Move(_twin_level(level, locked), on_hand=taken))
        OrderLine.objects.bulk_update(order.locked_lines, ["returned"])
        ReturnLine.objects.bulk_create(return_lines)
        apply_moves(moves, reason=Reason.RETURN, actor=actor, order=order)

    logger.info("order %s: return %s taken in", order.pk, ret.pk)
    return ret
