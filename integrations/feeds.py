"""Pull vendors' ERP feeds: claim, fetch, check, apply, record.

One worker pulls a feed at a time: it claims the feed with a conditional
UPDATE, fetches the file outside any transaction, then applies all its
counts and records the run in one transaction. A failed pull is retried
sooner than the feed's interval, with a delay that doubles each time;
after FEED_BREAKER_FAILURES failures in a row the circuit opens and the
feed is not called at all for FEED_BREAKER_COOLDOWN_SECONDS. Then one
trial pull either closes the circuit or opens it again.
"""

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from inventory.errors import InvalidRequest, LinesRefused, NotFound, StockError
from inventory.vendor_sync import SNAPSHOT, vendor_lines_apply

from .client import CallFailed, call
from .feedfiles import feed_parse
from .models import Feed, FeedRun, Vendor
from .urlcheck import endpoint_url_check

logger = logging.getLogger(__name__)

# How long a claim holds a feed. Longer than the longest timeout plus the
# time to apply a large file, so a slow pull is never pulled twice; if
# the worker dies, the feed is pulled again once this has passed.
# Limitation: so a pull lost with its worker is retried only after 10 min.
CLAIM_SECONDS = 600
DUE_BATCH = 200
ERRORS_KEPT = 200
ACCEPT = {"json": "application/json", "csv": "text/csv"}


@dataclass
class _Pulled:
    """What one pull came to, before it is recorded."""

    outcome: str
    http_status: int | None = None
    lines: list = field(default_factory=list)
    line_count: int = 0
    occurred_at: datetime | None = None
    applied: int = 0
    stale: int = 0
    error: str = ""
    errors: list = field(default_factory=list)


def feed_add(
    *,
    vendor_code: str,
    url: str,
    format: str,
    interval_seconds: int = 900,
    timeout_seconds: float = 10.0,
) -> Feed:
    """Add a feed for a vendor; its first pull is due at once."""
    endpoint_url_check(url)
    vendor = Vendor.objects.filter(code=vendor_code).first()
    if vendor is None:
        raise NotFound(f"no vendor {vendor_code!r}", error="unknown_vendor")

    feed = Feed(
        vendor=vendor,
        url=url,
        format=format,
        interval_seconds=interval_seconds,
        timeout_seconds=timeout_seconds,
    )
    try:
        feed.full_clean()
    except ValidationError as error:
        raise InvalidRequest("; ".join(error.messages)) from None
    feed.save()
    logger.info("feed %s added for vendor %s", feed.pk, vendor.code)
    return feed


def feed_pull(*, feed_id: int, force: bool = False) -> FeedRun | None:
    """Pull one feed if it is due; return its run, or None if not pulled.

    Safe to call any number of times, from any number of workers: only
    the one whose claim succeeds makes the call. A feed is not due before
    its ``next_run_at`` or while its circuit is open; ``force`` (a pull
    staff asked for) ignores both, but never pulls a feed being pulled.
    """
    started = timezone.now()
    if not _claim(feed_id, now=started, force=force):
        return None
    feed = Feed.objects.select_related("vendor").get(pk=feed_id)
    if not feed.vendor.active:
        Feed.objects.filter(pk=feed.pk).update(claimed_until=None)
        return None

    # The network call is made with no transaction open, so no row lock
    # is held while a slow feed makes us wait.
    pulled = _fetch(feed)
    with transaction.atomic():
        if pulled.outcome == FeedRun.Outcome.APPLIED:
            _apply(feed, pulled, fetched_at=started)
        return _record(feed, pulled, started=started)


def vendor_feed_ids(*, vendor_code: str) -> list[int]:
    """Return the ids of a vendor's active feeds, or refuse an unknown
    vendor or one with none."""
    if not Vendor.objects.filter(code=vendor_code).exists():
        raise NotFound(f"no vendor {vendor_code!r}", error="unknown_vendor")
    pks = list(
        Feed.objects.filter(vendor__code=vendor_code, active=True).values_list(
            "pk", flat=True
        )
    )
    if not pks:
        raise InvalidRequest(f"vendor {vendor_code!r} has no active feed")
    return pks


def feeds_due(*, now: datetime | None = None) -> list[int]:
    """Return the ids of active feeds due for a pull, most overdue first."""
    now = now or timezone.now()
    due = Feed.objects.filter(
        _free(now),
        _closed_or_trial(now),
        active=True,
        vendor__active=True,
        next_run_at__lte=now,
    )
    return list(due.order_by("next_run_at").values_list("pk", flat=True)[:DUE_BATCH])


def feeds_pull_due() -> int:
    """Queue a pull for each due feed; return how many were queued."""
    pks = feeds_due()
    for pk in pks:
        _enqueue(pk)
    return len(pks)


def feed_pull_soon(*, feed_id: int) -> None:
    """Queue a pull staff asked for, ahead of the feed's schedule."""
    _enqueue(feed_id, force=True)


def feed_resume(*, feed_id: int) -> Feed:
    """Close the feed's circuit, forget its failures, and make it due now."""
    now = timezone.now()
    changed = Feed.objects.filter(pk=feed_id).update(
        open_until=None, consecutive_failures=0, next_run_at=now, active=True
    )
    if not changed:
        raise NotFound(f"no feed {feed_id}", error="unknown_feed")
    logger.info("feed %s resumed by staff; circuit closed", feed_id)
    return Feed.objects.get(pk=feed_id)


def feed_runs_prune(*, days: int | None = None) -> int:
    """Forget runs older than FEED_RUN_HISTORY_DAYS; return how many."""
    days = settings.FEED_RUN_HISTORY_DAYS if days is None else days
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = FeedRun.objects.filter(started_at__lt=cutoff).delete()
    return deleted


def retry_delay(
    *, failures: int, interval: int, rand: Callable[[], float] = random.random
) -> float:
    """Return seconds until the next try after ``failures`` in a row.

    FEED_RETRY_SECONDS doubled for each failure after the first, never
    more than the feed's interval, then cut by up to half at random so
    that feeds which failed together do not all retry together.
    """
    ceiling = settings.FEED_RETRY_SECONDS * 2 ** min(failures - 1, 30)
    delay = min(ceiling, interval)
    return delay * (0.5 + rand() / 2)


def _free(now: datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def _closed_or_trial(now: datetime) -> Q:
    return Q(open_until__isnull=True) | Q(open_until__lte=now)


def _claim(feed_id: int, *, now: datetime, force: bool) -> bool:
    """Claim the feed for this worker; return whether it is ours.

    A second worker's UPDATE waits for the first one's row lock, then
    finds ``claimed_until`` in the future and changes nothing.
    """
    claim = Feed.objects.filter(_free(now), pk=feed_id, active=True)
    if not force:
        claim = claim.filter(_closed_or_trial(now), next_run_at__lte=now)
    until = now + timedelta(seconds=CLAIM_SECONDS)
    return claim.update(claimed_until=until) == 1


def _fetch(feed: Feed) -> _Pulled:
    """Fetch and check the feed's file; say what came of it."""
    try:
        answer = call(
            "GET",
            feed.url,
            headers={"Accept": ACCEPT[feed.format]},
            timeout=feed.timeout_seconds,
            max_bytes=settings.FEED_MAX_BYTES,
        )
    except CallFailed as failed:
        return _Pulled(FeedRun.Outcome.FAILED, error=failed.detail)
    except ValueError as error:
        # urllib's reading of the address, say a port out of range.
        return _Pulled(FeedRun.Outcome.FAILED, error=f"the URL cannot be used: {error}")
    if not answer.ok:
        error = f"the feed answered HTTP {answer.status}"
        return _Pulled(FeedRun.Outcome.FAILED, answer.status, error=error)

    try:
        lines, occurred_at = feed_parse(
            answer.body, feed.format, max_lines=settings.FEED_MAX_LINES
        )
    except InvalidRequest as refused:
        return _Pulled(
            FeedRun.Outcome.REFUSED,
            answer.status,
            line_count=refused.extra.get("lines", 0),
            error=refused.detail,
            errors=refused.extra.get("errors", []),
        )
    return _Pulled(
        FeedRun.Outcome.APPLIED, answer.status, lines, len(lines), occurred_at
    )


def _apply(feed: Feed, pulled: _Pulled, *, fetched_at: datetime) -> None:
    """Apply every line or none; a count older than one applied is stale.

    Precondition: a transaction is open, so the counts and the run that
    records them commit together.
    """
    try:
        counts = vendor_lines_apply(
            kind=SNAPSHOT,
            lines=pulled.lines,
            occurred_at=pulled.occurred_at or fetched_at,
            actor=f"feed:{feed.vendor.code}",
        )
    except LinesRefused as refused:
        pulled.outcome = FeedRun.Outcome.REFUSED
        pulled.errors = refused.extra["errors"]
        pulled.error = f"{len(pulled.errors)} lines cannot apply; nothing applied"
        return
    except StockError as refused:
        pulled.outcome = FeedRun.Outcome.REFUSED
        pulled.error = f"{refused.detail}; nothing applied"
        return

    pulled.applied, pulled.stale = counts["applied"], counts["stale"]
    if pulled.stale and not pulled.applied:
        pulled.outcome = FeedRun.Outcome.STALE


def _record(feed: Feed, pulled: _Pulled, *, started: datetime) -> FeedRun:
    """Write the run, move the circuit breaker, schedule the next pull."""
    now = timezone.now()
    trial = feed.open_until is not None
    good = pulled.outcome in (FeedRun.Outcome.APPLIED, FeedRun.Outcome.STALE)
    if good:
        changes = _after_success(feed, now, trial=trial)
    else:
        changes = _after_failure(feed, now, pulled, trial=trial)
    Feed.objects.filter(pk=feed.pk).update(claimed_until=None, **changes)

    return FeedRun.objects.create(
        feed=feed,
        started_at=started,
        finished_at=now,
        outcome=pulled.outcome,
        http_status=pulled.http_status,
        lines=pulled.line_count,
        applied=pulled.applied,
        stale=pulled.stale,
        error=pulled.error,
        errors=pulled.errors[:ERRORS_KEPT],
        opened_circuit=changes.get("open_until") is not None,
    )


def _after_success(feed: Feed, now: datetime, *, trial: bool) -> dict:
    if trial:
        logger.info("feed %s answered its trial pull; circuit closed", feed.pk)
    logger.info("feed %s of %s pulled", feed.pk, feed.vendor.code)
    return {
        "consecutive_failures": 0,
        "open_until": None,
        "last_success_at": now,
        "next_run_at": now + timedelta(seconds=feed.interval_seconds),
    }


def _after_failure(feed: Feed, now: datetime, pulled: _Pulled, *, trial: bool):
    failures = feed.consecutive_failures + 1
    logger.warning(
        "feed %s of %s %s: %s",
        feed.pk,
        feed.vendor.code,
        pulled.outcome,
        pulled.error[:300],
    )
    if not trial and failures < settings.FEED_BREAKER_FAILURES:
        delay = retry_delay(failures=failures, interval=feed.interval_seconds)
        return {
            "consecutive_failures": failures,
            "next_run_at": now + timedelta(seconds=delay),
        }

    # Open: the feed is left alone until the cooldown ends, then one
    # trial pull is due.
    open_until = now + timedelta(seconds=settings.FEED_BREAKER_COOLDOWN_SECONDS)
    logger.warning(
        "feed %s failed %d times in a row; circuit open until %s",
        feed.pk,
        failures,
        open_until.isoformat(),
    )
    return {
        "consecutive_failures": failures,
        "open_until": open_until,
        "next_run_at": open_until,
    }


def _enqueue(feed_id: int, *, force: bool = False) -> None:
    from .tasks import feed_pull as task

    try:
        task.delay(feed_id, force=force)
    except Exception:
        # The beat job queues the feed again on its next tick.
        logger.exception("could not queue a pull of feed %s", feed_id)
