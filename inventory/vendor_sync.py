"""Apply a vendor's or ERP's stock lines: counts, deltas, incoming stock.

All lines of one call apply together or not at all. Lines are applied in
order against the locked levels, so two lines on one level see each
other; a line that cannot apply is named, the rest are still checked, and
then the whole call is rolled back.
"""

import logging
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from catalog.models import Sku

from .errors import LinesRefused
from .locks import lock_skus
from .models import Reason, StockLevel
from .movements import Move, apply_moves
from .services import ADJUSTMENT_REASONS

logger = logging.getLogger(__name__)

SNAPSHOT = "stock.snapshot"
DELTA = "stock.delta"
INCOMING = "shipment.incoming"
KINDS = (SNAPSHOT, DELTA, INCOMING)
DELTA_REASONS = ADJUSTMENT_REASONS


def vendor_lines_apply(
    *, kind: str, lines: list[dict], occurred_at: datetime, actor: str
) -> dict:
    """Apply ``lines`` of one ``kind``; return ``{applied, stale}``.

    A snapshot line sets on_hand to the vendor's count and leaves holds and
    commitments alone; one older than the last count applied to its level
    is skipped as stale. A delta line moves on_hand (a receipt also takes
    its units off incoming). An incoming line sets incoming and its date.
    """
    # A count is never dated after the moment it is applied: one dated in
    # the future would make every later count look stale.
    occurred_at = min(occurred_at, timezone.now())
    codes = {line["sku"] for line in lines}
    sku_ids = Sku.objects.filter(code__in=codes).values_list("pk", flat=True)
    with transaction.atomic():
        locked = lock_skus(sku_ids)
        levels = {
            (sku.code, level.warehouse.code): level
            for sku in locked.values()
            for level in sku.locked_levels
        }
        errors, applied, stale, counted = [], 0, 0, []
        for number, line in enumerate(lines):
            level = levels.get((line["sku"], line["warehouse"]))
            if level is None:
                errors.append(_error(number, line, "no such SKU in that warehouse"))
                continue
            if kind == SNAPSHOT and _older(level, occurred_at):
                stale += 1
                continue

            problem = _apply(kind, line, level, actor)
            if problem:
                errors.append(_error(number, line, problem))
                continue
            applied += 1
            if kind == SNAPSHOT:
                counted.append(level.pk)

        if errors:
            raise LinesRefused("some lines cannot be applied", errors=errors)
        StockLevel.objects.filter(pk__in=counted).update(counted_at=occurred_at)

    logger.info("vendor %s: %s applied %d lines, %d stale", actor, kind, applied, stale)
    return {"applied": applied, "stale": stale}


def _older(level: StockLevel, occurred_at: datetime) -> bool:
    return level.counted_at is not None and occurred_at < level.counted_at


def _apply(kind: str, line: dict, level: StockLevel, actor: str) -> str | None:
    """Apply one line; return why it cannot be, or None."""
    if kind == SNAPSHOT:
        move, reason = (
            Move(level, on_hand=line["on_hand"] - level.on_hand),
            Reason.COUNT,
        )
    elif kind == DELTA:
        delta = line["delta"]
        if level.on_hand + delta < 0:
            return f"only {level.on_hand} on hand; {delta} would go below zero"
        reason = line["reason"]
        received = min(delta, level.incoming) if reason == Reason.RECEIPT else 0
        received = max(received, 0)
        # Once nothing more is on its way, there is no date to show.
        done = received and received == level.incoming
        move = Move(level, on_hand=delta, incoming=-received, set_eta=bool(done))
    else:
        quantity, eta = line["quantity"], line["eta"]
        move = Move(
            level,
            incoming=quantity - level.incoming,
            set_eta=True,
            restock_eta=date.fromisoformat(eta) if quantity else None,
        )
        reason = Reason.INCOMING
    apply_moves([move], reason=reason, actor=actor)
    return None


def _error(number: int, line: dict, detail: str) -> dict:
    return {
        "line": number,
        "sku": line.get("sku"),
        "warehouse": line.get("warehouse"),
        "detail": detail,
    }
