"""Stock events out: hand each committed event to the endpoints that want
it, then send the deliveries, signed, in order per SKU, until answered.

Nothing here runs in a stock change's transaction. The change writes its
event row (inventory.movements); a beat job later turns new event rows
into delivery rows and sends them, so a slow or dead endpoint can delay
only its own deliveries, never a hold.
"""

import json
import logging
import random
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from inventory.models import StockEvent

from . import client, signing
from .models import Delivery, DeliveryAttempt, Endpoint, RunLease

logger = logging.getLogger(__name__)

DISPATCH_BATCH = 500
# An endpoint's answer is read only to see that it came; its size is capped
# so a misbehaving endpoint cannot fill a worker's memory.
MAX_ANSWER_BYTES = 1024 * 1024
# A claimed delivery stays claimed this much longer than a call can take,
# so a second sender takes it over only from a sender that died.
LEASE_MARGIN_SECONDS = 30
RUN_LEASE = "stock-events-deliver"


def stock_events_dispatch(*, batch_size: int = DISPATCH_BATCH) -> int:
    """Queue one delivery of each new stock event for every endpoint that
    wants its kind; return how many events were handed on.

    Paused endpoints get their deliveries queued too, so a resumed one
    carries on where it stopped. The events are locked in (SKU, sequence)
    order and a second dispatcher waits for them rather than skipping
    ahead, so a SKU's deliveries are always created in sequence order.
    """
    with transaction.atomic():
        events = list(
            StockEvent.objects.select_for_update()
            .filter(dispatched_at__isnull=True)
            .order_by("sku_id", "sequence")
            .only("pk", "event_id", "sequence", "kind", "payload")[:batch_size]
        )
        if not events:
            return 0

        now = timezone.now()
        endpoints = list(Endpoint.objects.only("pk", "events"))
        Delivery.objects.bulk_create(
            [
                _delivery(endpoint, event, now)
                for event in events
                for endpoint in endpoints
                if event.kind in endpoint.events
            ],
            ignore_conflicts=True,
        )
        StockEvent.objects.filter(pk__in=[e.pk for e in events]).update(
            dispatched_at=now
        )
    return len(events)


def _delivery(endpoint: Endpoint, event: StockEvent, now: datetime) -> Delivery:
    body = {**event.payload, "kind": event.kind}
    return Delivery(
        endpoint=endpoint,
        event_id=event.event_id,
        sku_code=event.payload["sku_id"],
        sequence=event.sequence,
        kind=event.kind,
        body=json.dumps(body, separators=(",", ":")),
        next_attempt_at=now,
    )


@dataclass
class Outcome:
    status: int | None
    error: str
    milliseconds: int

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def deliveries_send(*, budget_seconds: float = 20.0) -> int:
    """Send the deliveries that are due, and those that become due as
    their SKU's earlier ones are answered, for at most ``budget_seconds``;
    return how many were tried.

    Only the head of each endpoint and SKU (its lowest undelivered
    sequence) is ever sent, so no endpoint hears of a change before the
    one before it. Several senders may run at once: each claims its
    deliveries with a lease first.
    """
    return _deliver_until(time.monotonic() + budget_seconds)


def _claim(
    limit: int, *, busy: Counter | None = None, per_endpoint: int | None = None
) -> list[Delivery]:
    """Lease up to ``limit`` head deliveries that are due, at most
    ``per_endpoint`` in flight for any endpoint counting ``busy``.

    Heads are taken endpoint by endpoint, in random order, so an endpoint
    with a long backlog of failing deliveries never crowds another's out.
    """
    busy = Counter(busy or {})
    per_endpoint = per_endpoint or limit
    now = timezone.now()
    free = Q(leased_until__isnull=True) | Q(leased_until__lt=now)
    earlier = Delivery.objects.filter(
        endpoint=OuterRef("endpoint"),
        sku_code=OuterRef("sku_code"),
        sequence__lt=OuterRef("sequence"),
        delivered_at__isnull=True,
    )
    due = Delivery.objects.filter(
        free,
        delivered_at__isnull=True,
        endpoint__active=True,
        next_attempt_at__lte=now,
    )
    endpoint_ids = list(due.values_list("endpoint_id", flat=True).distinct())
    random.shuffle(endpoint_ids)
    lease = now + timedelta(
        seconds=settings.WEBHOOK_TIMEOUT_SECONDS + LEASE_MARGIN_SECONDS
    )

    claimed = []
    for endpoint_id in endpoint_ids:
        room = min(per_endpoint - busy[endpoint_id], limit - len(claimed))
        if room <= 0:
            continue
        heads = (
            due.filter(endpoint_id=endpoint_id)
            .exclude(Exists(earlier))
            .select_related("endpoint")
            .order_by("next_attempt_at", "pk")[:room]
        )
        for delivery in heads:
            taken = Delivery.objects.filter(
                free, pk=delivery.pk, delivered_at__isnull=True
            ).update(leased_until=lease)
            if taken:
                claimed.append(delivery)
    return claimed


def _post(delivery: Delivery) -> Outcome:
    body = delivery.body.encode()
    headers = {
        "Content-Type": "application/json",
        "X-Signature": signing.sign(body, delivery.endpoint.secret),
        "X-Event-Id": str(delivery.event_id),
    }
    started = time.monotonic()
    try:
        answer = client.call(
            "POST",
            delivery.endpoint.url,
            body=body,
            headers=headers,
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
            max_bytes=MAX_ANSWER_BYTES,
            status_only=True,
        )
    except client.CallFailed as failed:
        return Outcome(None, failed.detail, _since(started))
    except Exception as error:
        # A delivery must never take its batch down with it.
        logger.exception("delivery %s could not be sent", delivery.pk)
        return Outcome(None, f"{type(error).__name__}: {error}"[:300], _since(started))
    error = "" if answer.ok else f"answered {answer.status}"
    return Outcome(answer.status, error, _since(started))


def _since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _record(delivery: Delivery, outcome: Outcome) -> None:
    now = timezone.now()
    pending = Delivery.objects.filter(pk=delivery.pk, delivered_at__isnull=True)
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            delivery_id=delivery.pk,
            status=outcome.status,
            error=outcome.error[:300],
            milliseconds=outcome.milliseconds,
        )
        if outcome.ok:
            pending.update(
                delivered_at=now,
                leased_until=None,
                attempts=F("attempts") + 1,
                last_status=outcome.status,
                last_error="",
            )
            return

        first_failed = delivery.first_failed_at or now
        pending.update(
            attempts=F("attempts") + 1,
            first_failed_at=first_failed,
            next_attempt_at=now + timedelta(seconds=retry_delay(delivery.attempts + 1)),
            leased_until=None,
            last_status=outcome.status,
            last_error=outcome.error[:300],
        )
        window = timedelta(seconds=settings.WEBHOOK_RETRY_WINDOW_SECONDS)
        if now - first_failed >= window:
            _pause_failing(delivery.endpoint, since=first_failed, error=outcome.error)


def retry_delay(attempts: int) -> float:
    """Return seconds to wait after the ``attempts``-th failure: doubling
    from WEBHOOK_RETRY_BASE_SECONDS up to WEBHOOK_RETRY_MAX_SECONDS, with
    random jitter so endpoints that failed together do not retry together.
    """
    ceiling = settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** min(attempts - 1, 32)
    ceiling = min(ceiling, settings.WEBHOOK_RETRY_MAX_SECONDS)
    return random.uniform(ceiling / 2, ceiling)


def _pause_failing(endpoint: Endpoint, *, since: datetime, error: str) -> None:
    reason = f"deliveries failing since {since:%Y-%m-%d %H:%M} UTC: {error}"[:300]
    paused = Endpoint.objects.filter(pk=endpoint.pk, active=True).update(
        active=False, paused_at=timezone.now(), paused_reason=reason
    )
    if paused:
        logger.warning(
            "endpoint %s paused: %s",
            endpoint.url,
            reason,
            extra={"endpoint": endpoint.pk},
        )


def stock_events_deliver(*, budget_seconds: float = 20.0) -> int:
    """Dispatch new events and send due deliveries until there is nothing
    more to do or ``budget_seconds`` have passed; return deliveries tried.

    One run at a time: a run beat queues while another is going returns
    at once, so slow endpoints hold at most one worker process and the
    other jobs (vendor events, holds expiring) keep theirs.
    """
    hold = budget_seconds + settings.WEBHOOK_TIMEOUT_SECONDS + LEASE_MARGIN_SECONDS
    if not RunLease.take(RUN_LEASE, seconds=hold):
        return 0
    try:
        return deliveries_send(budget_seconds=budget_seconds)
    finally:
        RunLease.free(RUN_LEASE)


def _deliver_until(deadline: float) -> int:
    """Keep up to WEBHOOK_SEND_CONCURRENCY calls going, recording each as
    it ends, so a slow endpoint's calls never hold up another's; at most
    half the calls go to any one endpoint."""
    concurrency = settings.WEBHOOK_SEND_CONCURRENCY
    per_endpoint = max(1, concurrency // 2)
    in_flight: dict = {}
    tried = 0
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        while True:
            open_ = time.monotonic() < deadline
            dispatched = stock_events_dispatch() if open_ else 0
            room = concurrency - len(in_flight) if open_ else 0
            if room:
                busy = Counter(d.endpoint_id for d in in_flight.values())
                for delivery in _claim(room, busy=busy, per_endpoint=per_endpoint):
                    in_flight[pool.submit(_post, delivery)] = delivery
            if not in_flight:
                if dispatched:
                    continue
                break

            done, _ = wait(in_flight, timeout=0.25, return_when=FIRST_COMPLETED)
            for future in done:
                _record(in_flight.pop(future), future.result())
                tried += 1
    return tried


def deliveries_prune() -> int:
    """Forget delivered deliveries older than WEBHOOK_LOG_DAYS."""
    cutoff = timezone.now() - timedelta(days=settings.WEBHOOK_LOG_DAYS)
    deleted, _ = Delivery.objects.filter(delivered_at__lt=cutoff).delete()
    if deleted:
        logger.info("pruned %d delivered stock events", deleted)
    return deleted
