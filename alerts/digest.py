"""The low-stock digest: one e-mail to the stock room listing the SKUs
that ran low or out since the last one, never one e-mail per sale.

Which SKUs "ran low" is read from the stock events: a ``low_stock`` or
``out_of_stock`` event is written when a change takes a SKU from in stock
to low, or from available to none (inventory.events.event_kind). A SKU
reported stays remembered (``LowStockNotice``) until a run finds it in
stock again, or sees from its events that it was in stock in between, so
one that stays low is reported once. One reported low that then sells
out is reported once more, as out.

Limitation: a SKU is looked at only when a stock event names it, so one
that turns low because its threshold or safety stock was raised, with no
stock event, is reported after its next stock change.
"""

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from inventory.availability import IN_STOCK, LOW_STOCK
from inventory.models import StockEvent

from . import selectors
from .mails import low_stock_digest_message
from .models import LowStockCursor, LowStockDigest, LowStockNotice

logger = logging.getLogger(__name__)

Severity = LowStockNotice.Severity
WENT_LOW = (StockEvent.Kind.LOW_STOCK, StockEvent.Kind.OUT_OF_STOCK)
# An event row is written before its change commits, so one committed
# just after a run looked can carry an earlier time. Each run looks this
# far behind the last; notices keep a SKU seen twice from being reported
# twice.
LOOKBACK = timedelta(minutes=10)


@dataclass
class Report:
    """A SKU to list in the next digest."""

    figures: selectors.SkuFigures
    severity: str

    def line(self) -> dict:
        sku, totals = self.figures.sku, self.figures.totals
        eta = totals["restock_eta"]
        return {
            "sku": sku.code,
            "name": sku.name,
            "status": totals["status"],
            "available": totals["available"],
            "threshold": sku.low_stock_threshold,
            "restock_eta": eta.isoformat() if eta else None,
            "warehouses": [
                {
                    "warehouse": level.warehouse.code,
                    "available": level.available,
                    "incoming": level.incoming,
                }
                for level in self.figures.levels
            ],
        }


def low_stock_digest_send() -> LowStockDigest | None:
    """Send the stock room one digest of the SKUs newly low or out.

    Return the digest, or None when there was nothing new to tell (or no
    one to tell it to). Safe to run at any time and from two workers at
    once: runs lock one row and take turns, and the second finds the
    first's notices. The e-mail goes after the commit; if it fails, the
    digest is undone, so the next run reports the same SKUs.
    """
    recipients = selectors.stock_room_emails()
    if not recipients:
        logger.warning("low-stock digest skipped: no clerk or manager has an e-mail")
        return None

    with transaction.atomic(durable=True):
        cursor = _locked_cursor()
        previous, started = cursor.checked_at, timezone.now()
        reports = _reports(since=previous)
        cursor.checked_at = started
        cursor.save(update_fields=["checked_at"])
        if not reports:
            return None
        digest = _digest_record(reports, recipients=recipients)

    try:
        low_stock_digest_message(digest).send()
    except (smtplib.SMTPException, OSError) as error:
        logger.exception("low-stock digest %s not sent", digest.pk)
        _digest_undo(digest, checked_at=previous, error=error)
        return digest

    digest.status, digest.sent_at = LowStockDigest.Status.SENT, timezone.now()
    digest.save(update_fields=["status", "sent_at"])
    logger.info("low-stock digest %s sent: %d SKUs", digest.pk, len(digest.lines))
    return digest


def _locked_cursor() -> LowStockCursor:
    LowStockCursor.objects.get_or_create(pk=1)
    return LowStockCursor.objects.select_for_update().get(pk=1)


def _reports(*, since: datetime | None) -> list[Report]:
    """Decide which SKUs the digest lists, and forget the recovered.

    Precondition: the cursor is locked, so no other run writes notices.
    """
    went_low, changed = _changed_skus(since)
    notices = {
        notice.sku_id: notice
        for notice in LowStockNotice.objects.filter(sku_id__in=changed)
    }
    figures = selectors.sku_figures(went_low | notices.keys())
    recovered = _recovered_since(notices)

    reports, cleared = [], []
    for sku_id, found in sorted(figures.items()):
        severity = _severity(found.status)
        notice = notices.get(sku_id)
        if severity is None:
            cleared.append(sku_id)
        elif notice is None or sku_id in recovered:
            reports.append(Report(found, severity))
        elif notice.severity == Severity.LOW and severity == Severity.OUT:
            reports.append(Report(found, severity))

    LowStockNotice.objects.filter(sku_id__in=cleared).delete()
    return reports


def _changed_skus(since: datetime | None) -> tuple[set[int], set[int]]:
    """Return the SKUs that went low or out, and all that changed, as the
    events since ``since`` (all events kept, on the first run) tell."""
    events = StockEvent.objects.order_by()
    if since is not None:
        events = events.filter(created_at__gte=since - LOOKBACK)
    pairs = set(events.values_list("sku_id", "kind").distinct())

    went_low = {sku_id for sku_id, kind in pairs if kind in WENT_LOW}
    changed = {sku_id for sku_id, _ in pairs}
    return went_low, changed


def _recovered_since(notices: dict[int, LowStockNotice]) -> set[int]:
    """Return the noticed SKUs with an ``in_stock`` event after the one
    they were reported at: they recovered, whatever they are now."""
    last_in_stock = (
        StockEvent.objects.filter(sku_id__in=notices, payload__status=IN_STOCK)
        .order_by()
        .values("sku_id")
        .annotate(last=Max("sequence"))
    )
    return {
        row["sku_id"]
        for row in last_in_stock
        if row["last"] > notices[row["sku_id"]].sequence
    }


def _severity(status: str) -> str | None:
    """Return how bad a status is for the stock room: low, out, or None
    for in stock. Restocking is out: nothing can be sold until it comes."""
    if status == IN_STOCK:
        return None
    return Severity.LOW if status == LOW_STOCK else Severity.OUT


def _digest_record(reports: list[Report], *, recipients: list[str]) -> LowStockDigest:
    """Write the digest and a notice per SKU it lists, replacing any
    older notice of those SKUs."""
    digest = LowStockDigest.objects.create(
        recipients=recipients, lines=[report.line() for report in reports]
    )
    sku_ids = [report.figures.sku.pk for report in reports]
    LowStockNotice.objects.filter(sku_id__in=sku_ids).delete()
    LowStockNotice.objects.bulk_create(
        LowStockNotice(
            sku=report.figures.sku,
            severity=report.severity,
            sequence=report.figures.sku.sequence,
            digest=digest,
        )
        for report in reports
    )
    return digest


def _digest_undo(digest: LowStockDigest, *, checked_at, error: Exception) -> None:
    """Forget what an unsent digest reported, and move the cursor back to
    where that run found it, so the next run sees the same events again."""
    with transaction.atomic():
        cursor = _locked_cursor()
        cursor.checked_at = checked_at
        cursor.save(update_fields=["checked_at"])
        LowStockNotice.objects.filter(digest=digest).delete()
        digest.status, digest.error = LowStockDigest.Status.FAILED, str(error)[:2000]
        digest.save(update_fields=["status", "error"])


def digests_prune(*, now: datetime | None = None) -> int:
    """Forget digests older than ALERTS_HISTORY_DAYS whose SKUs have all
    recovered (a digest with notices still stands for them)."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.ALERTS_HISTORY_DAYS)
    old = LowStockDigest.objects.filter(created_at__lt=cutoff, notices__isnull=True)
    deleted, _ = old.delete()
    if deleted:
        logger.info("pruned %d low-stock digests", deleted)
    return deleted
