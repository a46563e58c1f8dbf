"""Writes to vendors: adding them and rotating their secrets."""

import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from inventory.errors import InvalidRequest, LinesRefused, NotFound, StockError
from inventory.vendor_sync import vendor_lines_apply

from .models import EVENT_KINDS, Delivery, Endpoint, InboundEvent, Vendor, new_secret
from .urlcheck import endpoint_url_check

logger = logging.getLogger(__name__)

MIN_SECRET_LENGTH = 16


def _check_secret(secret: str) -> str:
    if len(secret) < MIN_SECRET_LENGTH or not secret.isprintable():
        raise InvalidRequest(
            f"a secret is at least {MIN_SECRET_LENGTH} printable characters"
        )
    return secret


def vendor_add(*, code: str, secret: str | None = None, name: str = "") -> Vendor:
    """Add a vendor; return it with its secret (made if none is given)."""
    secret = _check_secret(secret) if secret else new_secret()
    with transaction.atomic():
        if Vendor.objects.filter(code=code).exists():
            raise InvalidRequest(f"vendor {code!r} exists already")
        vendor = Vendor(code=code, name=name, secret=secret)
        vendor.full_clean()
        vendor.save()
    logger.info("vendor %s added", code, extra={"vendor": code})
    return vendor


def vendor_rotate_secret(*, code: str, secret: str | None = None) -> Vendor:
    """Give a vendor a new secret; the old one stays valid for
    VENDOR_SECRET_GRACE_SECONDS."""
    secret = _check_secret(secret) if secret else new_secret()
    grace = timedelta(seconds=settings.VENDOR_SECRET_GRACE_SECONDS)
    with transaction.atomic():
        try:
            vendor = Vendor.objects.select_for_update().get(code=code)
        except Vendor.DoesNotExist:
            raise NotFound(f"no vendor {code!r}", error="unknown_vendor") from None
        vendor.previous_secret = vendor.secret
        vendor.previous_valid_until = timezone.now() + grace
        vendor.secret = secret
        vendor.save(update_fields=["secret", "previous_secret", "previous_valid_until"])
    logger.info("vendor %s secret rotated", code, extra={"vendor": code})
    return vendor


def inbound_event_accept(*, vendor: Vendor, event: dict) -> tuple[InboundEvent, bool]:
    """Store a checked event once; return it and whether it is new.

    The insert stands in a savepoint, so a second delivery of the same
    event arriving at the same moment waits on the unique index and then
    finds the first one's row.
    """
    try:
        with transaction.atomic():
            stored = InboundEvent.objects.create(
                vendor=vendor,
                event_id=event["event_id"],
                kind=event["kind"],
                occurred_at=event["occurred_at"],
                lines=event["lines"],
            )
    except IntegrityError:
        return InboundEvent.objects.get(
            vendor=vendor, event_id=event["event_id"]
        ), False

    transaction.on_commit(partial(_enqueue, stored.pk))
    logger.info(
        "vendor %s event %s accepted",
        vendor.code,
        stored.event_id,
        extra={"vendor": vendor.code, "event_id": stored.event_id},
    )
    return stored, True


def _enqueue(pk: int) -> None:
    from .tasks import inbound_event_apply as task

    try:
        task.delay(pk)
    except Exception:
        # The event is stored; the retry job will apply it.
        logger.exception("could not queue inbound event %s", pk)


def inbound_event_apply(*, event_pk: int) -> InboundEvent:
    """Apply a stored event once, however often this is called.

    The event row is locked first and its status checked, so a redelivered
    task finds it applied (or failed) and does nothing.
    """
    with transaction.atomic():
        event = InboundEvent.objects.select_for_update().get(pk=event_pk)
        if event.status != InboundEvent.Status.ACCEPTED:
            return event

        try:
            counts = vendor_lines_apply(
                kind=event.kind,
                lines=event.lines,
                occurred_at=event.occurred_at,
                actor=f"vendor:{event.vendor.code}",
            )
        except LinesRefused as refused:
            event.status = InboundEvent.Status.FAILED
            event.errors = refused.extra["errors"]
            logger.warning("vendor event %s failed", event.pk)
        except StockError as refused:
            # A figure the event would push past its bounds, say: the
            # event as a whole cannot apply.
            event.status = InboundEvent.Status.FAILED
            event.errors = [{"line": None, "detail": refused.detail}]
            logger.warning("vendor event %s failed: %s", event.pk, refused.detail)
        else:
            event.status = InboundEvent.Status.APPLIED
            event.applied, event.stale = counts["applied"], counts["stale"]
        event.applied_at = timezone.now()
        event.save(update_fields=["status", "errors", "applied", "stale", "applied_at"])
    return event


def inbound_events_retry(*, older_than_seconds: int = 30) -> int:
    """Apply accepted events whose task never ran; return how many."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    pks = list(
        InboundEvent.objects.filter(
            status=InboundEvent.Status.ACCEPTED, received_at__lte=cutoff
        ).values_list("pk", flat=True)[:500]
    )
    for pk in pks:
        try:
            inbound_event_apply(event_pk=pk)
        except Exception:
            # One event that cannot be applied must not hold up the rest.
            logger.exception("inbound event %s could not be applied", pk)
    return len(pks)


def endpoint_check(*, url: str, events: list[str] | None) -> list[str]:
    """Refuse an address or events an endpoint may not have; return the
    events, all of them when none are named."""
    endpoint_url_check(url)
    kinds = list(dict.fromkeys(events)) if events else list(EVENT_KINDS)
    unknown = sorted(set(kinds) - set(EVENT_KINDS), key=str)
    if unknown:
        raise InvalidRequest(
            f"unknown events {', '.join(map(str, unknown))}; "
            f"choose from {', '.join(EVENT_KINDS)}"
        )
    return kinds


def endpoint_add(*, url: str, events: list[str] | None = None) -> Endpoint:
    """Register an outbound endpoint; return it with its new secret.

    It receives the events committed from now on.
    """
    kinds = endpoint_check(url=url, events=events)
    endpoint = Endpoint.objects.create(url=url, events=kinds)
    logger.info("endpoint %s registered for %s", url, ", ".join(kinds))
    return endpoint


def endpoint_change(*, endpoint_id: int, url: str, events: list[str]) -> None:
    """Point an endpoint elsewhere or change the events it wants; the
    deliveries already queued for it stay queued."""
    kinds = endpoint_check(url=url, events=events)
    Endpoint.objects.filter(pk=endpoint_id).update(url=url, events=kinds)
    logger.info("endpoint %s now %s for %s", endpoint_id, url, ", ".join(kinds))


def endpoint_pause(*, endpoint_id: int, reason: str = "paused by staff") -> None:
    """Stop sending to an endpoint; its deliveries keep queueing."""
    Endpoint.objects.filter(pk=endpoint_id, active=True).update(
        active=False, paused_at=timezone.now(), paused_reason=reason[:300]
    )
    logger.info("endpoint %s paused: %s", endpoint_id, reason)


def endpoint_resume(*, endpoint_id: int) -> int:
    """Send to a paused endpoint again, from the delivery where it stopped;
    return how many deliveries wait for it.

    The retry clock starts afresh: every waiting delivery is due at once,
    and the endpoint has a whole retry window again before it is paused.
    """
    with transaction.atomic():
        Endpoint.objects.filter(pk=endpoint_id).update(
            active=True, paused_at=None, paused_reason=""
        )
        waiting = Delivery.objects.filter(
            endpoint_id=endpoint_id, delivered_at__isnull=True
        ).update(
            attempts=0,
            first_failed_at=None,
            next_attempt_at=timezone.now(),
            leased_until=None,
        )
    logger.info("endpoint %s resumed with %d deliveries waiting", endpoint_id, waiting)
    return waiting
