"""Purchase orders: create, open, receive against, close and cancel.

A purchase order's open lines are stock on its way: opening one adds
each line's units to its level's ``incoming``, a receipt moves units from
``incoming`` to ``on_hand``, closing takes what never came off
``incoming``. Figures change only through ``movements.apply_moves``.

Locks: the order first, then (``inventory.locks``) the SKUs of its lines
and all their levels. The order comes first because a draft's lines may
be edited in the admin, whose inserts take a key-share lock on the levels
they name: with the order taken first, that save and a service wait for
each other instead of deadlocking. Every writer of an order's lines holds
the order's lock, so the lines need none of their own. No hold or order
service ever locks a purchase order, so they keep the shared order.

How ``incoming`` and ``restock_eta`` combine with a vendor's
``shipment.incoming``: a purchase order adds and later takes away its own
units, while a vendor's announcement states the level's whole incoming
figure and replaces it, as a count replaces ``on_hand``. A receipt or a
close therefore never takes more off ``incoming`` than is there. The
level's restock date is the earliest expected date of the open lines
still owed on it, and also the level's present date while the level has
more units incoming than the open lines account for (units a vendor
announced keep the date they came with).
"""

import logging
from datetime import date

from django.db import transaction
from django.db.models import F, Min, Sum
from django.utils import timezone

from integrations.models import Vendor

from .errors import (
    InvalidRequest,
    NotFound,
    PurchaseOrderStateConflict,
    ReceiptExceedsOutstanding,
)
from .locks import lock_skus
from .models import PurchaseOrder, PurchaseOrderLine, Reason, StockLevel
from .movements import Move, apply_moves

logger = logging.getLogger(__name__)

# One line of an order; larger figures are typing mistakes.
MAX_LINE_QUANTITY = 100_000
MAX_LINES = 500
Status = PurchaseOrder.Status


def check_line_quantity(value: object, *, field: str = "quantity") -> int:
    """Return ``value`` if it is a whole number from 1 to 100,000."""
    if type(value) is not int or not 1 <= value <= MAX_LINE_QUANTITY:
        raise InvalidRequest(
            f"{field} must be a whole number from 1 to {MAX_LINE_QUANTITY:,}"
        )
    return value


def check_expected_on(value: object, *, field: str = "expected_on") -> date:
    """Return ``value`` if it is a calendar date from today on."""
    if type(value) is not date:
        raise InvalidRequest(f"{field} must be a date")
    if value < timezone.localdate():
        raise InvalidRequest(f"{field} {value} is in the past")
    return value


def po_create(
    *,
    lines: list[tuple[int, int, date]],
    actor: str,
    vendor_id: int | None = None,
    supplier: str = "",
    reference: str = "",
    note: str = "",
) -> PurchaseOrder:
    """Create a draft order of ``lines``, (level pk, quantity, expected
    date) each, at most one line per level. A draft changes no figure."""
    if not lines:
        raise InvalidRequest("a purchase order needs at least one line")
    if len(lines) > MAX_LINES:
        raise InvalidRequest(f"a purchase order has at most {MAX_LINES} lines")
    level_pks = [pk for pk, _, _ in lines]
    if len(set(level_pks)) != len(level_pks):
        raise InvalidRequest("each SKU and warehouse may appear on one line only")
    for number, (_, quantity, expected_on) in enumerate(lines):
        check_line_quantity(quantity, field=f"line {number} quantity")
        check_expected_on(expected_on, field=f"line {number} expected date")
    found = set(
        StockLevel.objects.filter(pk__in=level_pks).values_list("pk", flat=True)
    )
    if len(found) != len(level_pks):
        raise InvalidRequest("a line names a stock level that does not exist")
    if vendor_id is not None and not Vendor.objects.filter(pk=vendor_id).exists():
        raise InvalidRequest(f"no vendor {vendor_id}")

    with transaction.atomic():
        po = PurchaseOrder.objects.create(
            vendor_id=vendor_id,
            supplier=supplier[:200],
            reference=reference[:100],
            note=note,
            created_by=actor,
        )
        PurchaseOrderLine.objects.bulk_create(
            PurchaseOrderLine(
                po=po, level_id=pk, quantity=quantity, expected_on=expected_on
            )
            for pk, quantity, expected_on in lines
        )
    logger.info("%s created by %s with %d lines", po.number, actor, len(lines))
    return po


def po_lock_for_edit(*, po_id, seen_status: str) -> PurchaseOrder:
    """Lock an order whose details (or, in a draft, lines) a form is about
    to save; refuse if its status moved since the form read it, or if it
    is closed or cancelled.

    Call inside the transaction that saves: opening or receiving waits for
    it, so no line is added behind ``po_open``'s back and no stale status
    is written over a newer one.
    """
    po = _po_row(po_id, lock=True)
    if po.status != seen_status:
        raise PurchaseOrderStateConflict(
            f"{po.number} became {po.status} meanwhile; nothing was saved"
        )
    if po.status not in (Status.DRAFT, Status.OPEN):
        raise PurchaseOrderStateConflict(f"{po.number} is {po.status}")
    return po


def po_open(*, po_id, actor: str) -> PurchaseOrder:
    """Open a draft: each line's units become incoming on its level, and
    the level's restock date is recomputed. Opening an open order again
    does nothing."""
    with transaction.atomic():
        po, lines = _locked_po(po_id)
        if po.status == Status.OPEN:
            return po
        if po.status != Status.DRAFT:
            raise PurchaseOrderStateConflict(f"{po.number} is {po.status}")
        if not lines:
            raise InvalidRequest(f"{po.number} has no lines")
        for line in lines:
            check_expected_on(line.expected_on, field=f"{line.level} expected date")

        po.status, po.opened_at = Status.OPEN, timezone.now()
        po.save(update_fields=["status", "opened_at"])
        moves = [_move(line.level, incoming=line.quantity) for line in lines]
        apply_moves(moves, reason=Reason.PO_OPEN, actor=actor, note=po.number)

    units = sum(line.quantity for line in lines)
    logger.info("%s opened by %s: %d units incoming", po.number, actor, units)
    return po


def po_receive(*, po_id, quantities: dict[int, int], actor: str) -> PurchaseOrder:
    """Receive units against an open order's lines, all or none.

    ``quantities`` maps line pks to units arrived (zero skips a line).
    Each unit goes on hand and off incoming. Receiving more than a line
    still owes is refused (ReceiptExceedsOutstanding): extra units are a
    separate, free receipt. The order closes itself once every unit came.
    """
    wanted = _check_quantities(quantities)

    with transaction.atomic():
        po, lines = _locked_po(po_id)
        if po.status != Status.OPEN:
            raise PurchaseOrderStateConflict(
                f"{po.number} is {po.status}; only an open order can be received"
            )
        by_pk = {line.pk: line for line in lines}
        unknown = sorted(set(wanted) - by_pk.keys())
        if unknown:
            raise InvalidRequest(f"lines {unknown} are not on {po.number}")
        _refuse_excess(po, [(by_pk[pk], qty) for pk, qty in wanted.items()])

        for pk, quantity in wanted.items():
            _line_receive(by_pk[pk], quantity)
        moves = [
            _move(by_pk[pk].level, on_hand=qty, incoming=-qty)
            for pk, qty in sorted(wanted.items())
        ]
        apply_moves(moves, reason=Reason.PO_RECEIPT, actor=actor, note=po.number)
        if all(line.outstanding == 0 for line in lines):
            _close(po)

    units = sum(wanted.values())
    logger.info("%s: %s received %d units", po.number, actor, units)
    return po


def po_close(*, po_id, actor: str) -> PurchaseOrder:
    """Close an open order: units never delivered come off incoming and
    each level's restock date is recomputed. Closing a closed order again
    does nothing."""
    with transaction.atomic():
        po, lines = _locked_po(po_id)
        if po.status == Status.CLOSED:
            return po
        if po.status != Status.OPEN:
            raise PurchaseOrderStateConflict(
                f"{po.number} is {po.status}; cancel a draft instead"
            )

        short = [line for line in lines if line.outstanding]
        for line in short:
            line.cancelled = line.quantity - line.received
            line.save(update_fields=["cancelled"])
        _close(po)
        never = sum(line.cancelled for line in short)
        moves = [_move(line.level, incoming=-line.cancelled) for line in short]
        note = f"{po.number} closed; {never} units never delivered"
        apply_moves(moves, reason=Reason.PO_CLOSE, actor=actor, note=note)

    logger.info("%s closed by %s; %d units never delivered", po.number, actor, never)
    return po


def po_cancel(*, po_id, actor: str) -> PurchaseOrder:
    """Cancel a draft, which never changed a figure. An open order is
    refused: its units are on their way, so it is closed instead."""
    with transaction.atomic():
        po = _po_row(po_id, lock=True)
        if po.status == Status.CANCELLED:
            return po
        if po.status != Status.DRAFT:
            raise PurchaseOrderStateConflict(
                f"{po.number} is {po.status}; close an open order instead"
            )
        po.status, po.closed_at = Status.CANCELLED, timezone.now()
        po.save(update_fields=["status", "closed_at"])

    logger.info("%s cancelled by %s", po.number, actor)
    return po


def _po_row(po_id, *, lock: bool) -> PurchaseOrder:
    if type(po_id) is not int:
        raise NotFound(f"no purchase order {po_id!r}", error="unknown_purchase_order")
    rows = PurchaseOrder.objects.all()
    if lock:
        rows = rows.select_for_update(of=("self",))
    try:
        return rows.get(pk=po_id)
    except PurchaseOrder.DoesNotExist:
        raise NotFound(
            f"no purchase order {po_id}", error="unknown_purchase_order"
        ) from None


def _locked_po(po_id) -> tuple[PurchaseOrder, list[PurchaseOrderLine]]:
    """Lock the order, then the SKUs of its lines and their levels; return
    the order and its lines, each line's ``level`` being the locked one."""
    po = _po_row(po_id, lock=True)
    lines = list(po.lines.order_by("pk"))
    locked = lock_skus(
        StockLevel.objects.filter(pk__in=[ln.level_id for ln in lines]).values_list(
            "sku_id", flat=True
        )
    )
    levels = {lv.pk: lv for sku in locked.values() for lv in sku.locked_levels}
    for line in lines:
        line.level = levels[line.level_id]
    return po, lines


def _check_quantities(quantities: object) -> dict[int, int]:
    if not isinstance(quantities, dict):
        raise InvalidRequest("quantities must map lines to units")
    wanted = {}
    for pk, quantity in quantities.items():
        if type(pk) is not int:
            raise InvalidRequest(f"{pk!r} is not a line")
        if quantity == 0 and type(quantity) is int:
            continue
        wanted[pk] = check_line_quantity(quantity, field=f"line {pk} quantity")
    if not wanted:
        raise InvalidRequest("nothing to receive: every quantity is zero")
    return wanted


def _refuse_excess(po: PurchaseOrder, receipts: list[tuple]) -> None:
    excess = [
        {
            "line": line.pk,
            "sku": line.level.sku.code,
            "warehouse": line.level.warehouse.code,
            "requested": quantity,
            "outstanding": line.outstanding,
        }
        for line, quantity in receipts
        if quantity > line.outstanding
    ]
    if excess:
        names = ", ".join(
            f"{e['sku']}@{e['warehouse']} ({e['requested']} of {e['outstanding']})"
            for e in excess
        )
        raise ReceiptExceedsOutstanding(
            f"more than {po.number} still owes: {names}", lines=excess
        )


def _line_receive(line: PurchaseOrderLine, quantity: int) -> None:
    """Count ``quantity`` more units received on a locked line."""
    room = F("quantity") - F("cancelled") - quantity
    rows = PurchaseOrderLine.objects.filter(pk=line.pk, received__lte=room)
    if rows.update(received=F("received") + quantity) != 1:
        raise ReceiptExceedsOutstanding(
            f"line {line.pk} owes fewer than {quantity} units"
        )
    line.received += quantity


def _close(po: PurchaseOrder) -> None:
    po.status, po.closed_at = Status.CLOSED, timezone.now()
    po.save(update_fields=["status", "closed_at"])


def _move(level: StockLevel, *, on_hand: int = 0, incoming: int = 0) -> Move:
    """Return a move of a locked level with its next restock date.

    Precondition: the order's status and lines are already written, so
    the date is read from what is still owed after this change. Never
    takes more off ``incoming`` than the level has (a vendor may have
    announced a smaller figure since).
    """
    incoming = max(incoming, -level.incoming)
    eta = _restock_eta(level, incoming=level.incoming + incoming)
    return Move(
        level, on_hand=on_hand, incoming=incoming, set_eta=True, restock_eta=eta
    )


def _owed(level: StockLevel) -> dict:
    return (
        PurchaseOrderLine.objects.filter(level=level, po__status=Status.OPEN)
        .annotate(left=F("quantity") - F("received") - F("cancelled"))
        .filter(left__gt=0)
        .aggregate(units=Sum("left"), first=Min("expected_on"))
    )


def owed_units(level: StockLevel) -> int:
    """Return the units open purchase orders still owe a level."""
    return _owed(level)["units"] or 0


def restock_eta_for(level: StockLevel, *, incoming: int) -> date | None:
    """Return the date a locked level shows once it has ``incoming``."""
    return _restock_eta(level, incoming=incoming)


def _restock_eta(level: StockLevel, *, incoming: int) -> date | None:
    """Return the date a locked level shows once it has ``incoming``."""
    if incoming <= 0:
        return None
    owed = _owed(level)
    dates = [owed["first"]] if owed["first"] else []
    # Units no open order accounts for came with a date of their own.
    if incoming > (owed["units"] or 0) and level.restock_eta:
        dates.append(level.restock_eta)
    return min(dates, default=None)
