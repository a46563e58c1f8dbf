"""Writes to stock: holds, their release and expiry, and adjustments.

Each service runs in one transaction, locks what it changes through
``inventory.locks`` and changes figures only through ``movements``.
"""

import logging
from collections import Counter
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog.models import Sku

from . import availability, quickhold
from .errors import (
    InsufficientStock,
    InvalidRequest,
    NotFound,
    ReservationUsed,
    UnknownSku,
    VersionConflict,
    as_uuid,
)
from .locks import lock_skus
from .models import Reason, Reservation, ReservationLine, StockLevel, Warehouse
from .movements import Move, apply_moves

logger = logging.getLogger(__name__)

MAX_QUANTITY = 10_000
ADJUSTMENT_REASONS = frozenset(
    {
        Reason.ADJUSTMENT,
        Reason.COUNT,
        Reason.DAMAGE,
        Reason.LOSS,
        Reason.FOUND,
        Reason.RECEIPT,
    }
)


def check_quantity(value: object, *, field: str = "quantity") -> int:
    """Return ``value`` if it is a whole number from 1 to 10,000."""
    if type(value) is not int or not 1 <= value <= MAX_QUANTITY:
        raise InvalidRequest(f"{field} must be a whole number from 1 to {MAX_QUANTITY}")
    return value


def warehouse_for_ship_to(ship_to: str | None) -> Warehouse | None:
    """Return the warehouse a shopper's region names, or None for none."""
    if ship_to is None or ship_to == "":
        return None
    if not isinstance(ship_to, str):
        raise InvalidRequest("ship_to must be a warehouse code")
    try:
        return Warehouse.objects.get(code=ship_to.strip().upper())
    except Warehouse.DoesNotExist:
        raise InvalidRequest(f"unknown ship_to region {ship_to!r}") from None


def skus_by_code(codes: Iterable[str]) -> dict[str, Sku]:
    """Return the SKUs named, refusing the request if any is unknown."""
    codes = set(codes)
    found = {s.code: s for s in Sku.objects.filter(code__in=codes).only("pk", "code")}
    missing = sorted(codes - found.keys())
    if missing:
        raise InvalidRequest(f"unknown SKU: {', '.join(missing)}", skus=missing)
    return found


def _free_lapsed_holds(levels: list[StockLevel], *, now) -> None:
    """Give back the units of lapsed holds on ``levels``.

    Precondition: the levels' SKUs are locked. Runs before a new hold is
    planned, so a hold past its expiry never stands in a shopper's way,
    whether or not the sweep job has come round yet.
    """
    lapsed = list(
        ReservationLine.objects.select_for_update(of=("self",))
        .filter(level__in=levels, active=True, expires_at__lte=now)
        .order_by("pk")
    )
    if not lapsed:
        return

    by_level = {level.pk: level for level in levels}
    freed = Counter()
    for line in lapsed:
        freed[line.level_id] += line.quantity
    ReservationLine.objects.filter(pk__in=[ln.pk for ln in lapsed]).update(active=False)
    moves = [Move(by_level[pk], reserved=-qty) for pk, qty in freed.items()]
    apply_moves(moves, reason=Reason.EXPIRY, actor="system", note="lapsed hold")
    logger.info("freed %d lapsed hold lines", len(lapsed))


def _plan(sku: Sku, wanted: int, home: Warehouse | None) -> list[tuple]:
    """Split ``wanted`` units over the SKU's locked levels.

    The shopper's own warehouse goes first, then the others with the most
    available first, so a hold is split over as few warehouses as can be.
    """
    levels = sorted(
        sku.locked_levels,
        key=lambda lv: (
            home is None or lv.warehouse_id != home.pk,
            -availability.level_available(lv),
            lv.warehouse.code,
        ),
    )
    plan, remaining = [], wanted
    for level in levels:
        take = min(remaining, availability.level_available(level))
        if take > 0:
            plan.append((level, take))
            remaining -= take
    return plan if remaining == 0 else []


def reservation_create(
    *,
    lines: list[tuple[str, int]],
    ship_to: str | None = None,
    actor: str = "",
    ttl_seconds: int | None = None,
) -> Reservation:
    """Hold every line, or none of them.

    ``lines`` are (SKU code, quantity) pairs; pairs naming one SKU are
    added together. Raise InsufficientStock naming each short line.
    """
    if not lines:
        raise InvalidRequest("a reservation needs at least one line")
    wanted: Counter[str] = Counter()
    for code, quantity in lines:
        wanted[code] += check_quantity(quantity)
    for code, total in wanted.items():
        if total > MAX_QUANTITY:
            raise InvalidRequest(f"{code}: at most {MAX_QUANTITY} units a SKU")
    ttl = settings.RESERVATION_TTL_SECONDS if ttl_seconds is None else ttl_seconds
    if len(wanted) == 1 and quickhold.usable() and isinstance(ship_to, str | None):
        [(code, quantity)] = wanted.items()
        held = quickhold.hold_in_one_statement(
            code=code, quantity=quantity, ship_to=ship_to, actor=actor, ttl_seconds=ttl
        )
        if held is not None:
            logger.info("reservation %s holds 1 line (one statement)", held.pk)
            return held

    home = warehouse_for_ship_to(ship_to)
    skus = skus_by_code(wanted)

    with transaction.atomic():
        locked = lock_skus(s.pk for s in skus.values())
        now = timezone.now()
        all_levels = [lv for s in locked.values() for lv in s.locked_levels]
        if any(lv.has_lapsed for lv in all_levels):
            _free_lapsed_holds(all_levels, now=now)

        plans, short = {}, []
        for code in sorted(wanted):
            sku = locked[skus[code].pk]
            plans[code] = _plan(sku, wanted[code], home)
            if not plans[code]:
                free = sum(availability.level_available(lv) for lv in sku.locked_levels)
                short.append(
                    {"sku": code, "requested": wanted[code], "available": free}
                )
        if short:
            raise InsufficientStock("not enough stock for every line", lines=short)

        expires_at = now + timedelta(seconds=ttl)
        # Written with the ledger and events, after the guarded UPDATEs.
        reservation = Reservation(
            created_at=now, expires_at=expires_at, ship_to=home, actor=actor
        )
        hold_lines = [
            ReservationLine(
                reservation=reservation,
                level=level,
                quantity=qty,
                expires_at=expires_at,
            )
            for code in sorted(plans)
            for level, qty in plans[code]
        ]
        moves = [
            Move(ln.level, reserved=ln.quantity, claims=ln.quantity)
            for ln in hold_lines
        ]
        apply_moves(
            moves,
            reason=Reason.RESERVATION,
            actor=actor,
            reservation=reservation,
            rows_before=[(Reservation, [reservation]), (ReservationLine, hold_lines)],
        )

    reservation.hold_lines = hold_lines
    logger.info("reservation %s holds %d lines", reservation.pk, len(hold_lines))
    return reservation


def _locked_reservation(reservation_id) -> Reservation:
    """Lock a hold's SKUs and then the hold itself; return the hold."""
    reservation_id = as_uuid(reservation_id, error="unknown_reservation")
    sku_ids = ReservationLine.objects.filter(reservation_id=reservation_id).values_list(
        "level__sku_id", flat=True
    )
    locked = lock_skus(sku_ids)
    try:
        reservation = Reservation.objects.select_for_update().get(pk=reservation_id)
    except Reservation.DoesNotExist:
        raise NotFound(
            f"no reservation {reservation_id}", error="unknown_reservation"
        ) from None
    reservation.locked_skus = locked
    return reservation


def _free_lines(reservation: Reservation, *, reason: str, actor: str) -> int:
    """Release the hold's still-active lines; return the units freed."""
    levels = {
        lv.pk: lv for s in reservation.locked_skus.values() for lv in s.locked_levels
    }
    lines = list(reservation.lines.select_for_update().filter(active=True))
    if not lines:
        return 0
    ReservationLine.objects.filter(pk__in=[ln.pk for ln in lines]).update(active=False)
    apply_moves(
        [Move(levels[ln.level_id], reserved=-ln.quantity) for ln in lines],
        reason=reason,
        actor=actor,
        reservation=reservation,
    )
    return sum(ln.quantity for ln in lines)


def reservation_release(*, reservation_id, actor: str = "") -> Reservation:
    """Release a hold. Releasing it again, or after it lapsed, does nothing.

    A hold that became an order is refused: its units are the order's now.
    """
    with transaction.atomic():
        reservation = _locked_reservation(reservation_id)
        if reservation.status == Reservation.Status.USED:
            raise ReservationUsed("this reservation became an order")
        if reservation.status != Reservation.Status.ACTIVE:
            return reservation

        _free_lines(reservation, reason=Reason.RELEASE, actor=actor)
        reservation.status = Reservation.Status.RELEASED
        reservation.save(update_fields=["status"])
    return reservation


def reservation_expire(*, reservation_id, now=None) -> bool:
    """Expire one lapsed hold; return whether it was still active."""
    with transaction.atomic():
        reservation = _locked_reservation(reservation_id)
        now = now or timezone.now()
        lapsed = reservation.expires_at <= now
        if reservation.status != Reservation.Status.ACTIVE or not lapsed:
            return False

        _free_lines(reservation, reason=Reason.EXPIRY, actor="system")
        reservation.status = Reservation.Status.EXPIRED
        reservation.save(update_fields=["status"])
    return True


def reservations_expire_lapsed(*, batch_size: int = 500) -> int:
    """Expire every hold past its expiry; return how many were expired."""
    now = timezone.now()
    ids = list(
        Reservation.objects.filter(
            status=Reservation.Status.ACTIVE, expires_at__lte=now
        ).values_list("pk", flat=True)[:batch_size]
    )
    expired = sum(reservation_expire(reservation_id=pk, now=now) for pk in ids)
    if expired:
        logger.info("expired %d lapsed reservations", expired)
    return expired


def _locked_level(sku_code: str, warehouse_code: str):
    try:
        sku = Sku.objects.get(code=sku_code)
    except Sku.DoesNotExist:
        raise UnknownSku(f"unknown SKU {sku_code!r}") from None
    locked = lock_skus([sku.pk])[sku.pk]
    for level in locked.locked_levels:
        if level.warehouse.code == str(warehouse_code).strip().upper():
            return level
    raise InvalidRequest(f"unknown warehouse {warehouse_code!r}")


def stock_adjust(
    *,
    sku_code: str,
    warehouse_code: str,
    reason: str,
    actor: str,
    delta: int | None = None,
    counted: int | None = None,
    expected_version: int | None = None,
    note: str = "",
) -> StockLevel:
    """Change a level's on-hand units by ``delta`` or set them to ``counted``.

    With ``expected_version``, refuse with VersionConflict unless the level
    is still at that version, so a change made from stale figures never
    lands. A result below zero on hand is refused whole.
    """
    if reason not in ADJUSTMENT_REASONS:
        raise InvalidRequest(
            f"reason must be one of {', '.join(sorted(ADJUSTMENT_REASONS))}"
        )
    if (delta is None) == (counted is None):
        raise InvalidRequest("give exactly one of delta and counted")
    if delta is not None and (
        type(delta) is not int or delta == 0 or abs(delta) > 1_000_000
    ):
        raise InvalidRequest("delta must be a non-zero whole number")
    if counted is not None and (
        type(counted) is not int or not 0 <= counted <= 1_000_000
    ):
        raise InvalidRequest("counted must be a whole number from 0")
    if expected_version is not None and type(expected_version) is not int:
        raise InvalidRequest("expected_version must be a whole number")

    with transaction.atomic():
        level = _locked_level(sku_code, warehouse_code)
        if expected_version is not None and level.version != expected_version:
            raise VersionConflict(
                "the figures changed since they were read",
                current=level_figures(level),
            )
        change = delta if counted is None else counted - level.on_hand
        if level.on_hand + change < 0:
            raise InsufficientStock(
                f"only {level.on_hand} on hand",
                lines=[
                    {"sku": sku_code, "requested": -change, "on_hand": level.on_hand}
                ],
            )
        if change:
            apply_moves(
                [Move(level, on_hand=change)], reason=reason, actor=actor, note=note
            )
    return level


def stock_receive(
    *, level_pk: int, quantity: int, actor: str, reason=Reason.RECEIPT
) -> None:
    """Put ``quantity`` units on hand, taking them off ``incoming``."""
    check_quantity(quantity)
    with transaction.atomic():
        sku_id = StockLevel.objects.values_list("sku_id", flat=True).get(pk=level_pk)
        sku = lock_skus([sku_id])[sku_id]
        level = next(lv for lv in sku.locked_levels if lv.pk == level_pk)
        move = Move(level, on_hand=quantity, incoming=-min(quantity, level.incoming))
        apply_moves([move], reason=reason, actor=actor)


def level_figures(level: StockLevel) -> dict:
    """Return one level's figures as the API shows them."""
    return {
        "sku": level.sku.code,
        "warehouse": level.warehouse.code,
        "available": availability.level_available(level),
        "on_hand": level.on_hand,
        "reserved": level.reserved,
        "committed": level.committed,
        "safety_stock": level.safety_stock,
        "incoming": level.incoming,
        "restock_eta": level.restock_eta,
        "version": level.version,
    }
