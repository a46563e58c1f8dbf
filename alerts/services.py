"""Back in stock: customers wait for a SKU, and hear of it once.

A subscription is pending until one conditional UPDATE marks it notified
or unsubscribed, so however many jobs run at once, a customer gets at
most one message per subscription and none after unsubscribing.
"""

import logging
import smtplib
from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from catalog.models import Sku
from inventory.errors import InvalidRequest, UnknownSku

from . import selectors
from .mails import back_in_stock_message
from .models import PENDING, BackInStockSubscription
from .tokens import email_from_token

logger = logging.getLogger(__name__)

# Messages one run sends at most; the next run, a minute later, goes on.
NOTIFY_BATCH = 500
MAX_EMAIL_LENGTH = 254


class Subscribed(StrEnum):
    """What became of a request to hear when a SKU is back.

    The customer is told the same for the first three, so the page never
    says whether an address was already waiting.
    """

    CREATED = "created"
    ALREADY = "already"
    CAPPED = "capped"
    AVAILABLE = "available"


def check_email(value: object) -> str:
    """Return ``value`` as the address we keep: trimmed, lower case."""
    if not isinstance(value, str):
        raise InvalidRequest("enter an e-mail address")
    email = value.strip().lower()
    if len(email) > MAX_EMAIL_LENGTH:
        raise InvalidRequest("enter a valid e-mail address")
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidRequest("enter a valid e-mail address") from None
    return email


def back_in_stock_subscribe(*, sku_code: str, email: str) -> Subscribed:
    """Note that ``email`` wants one message when the SKU is back.

    Idempotent: one pending subscription per address and SKU, kept by a
    unique index, so two requests at once still make one.
    """
    email = check_email(email)
    try:
        sku = Sku.objects.get(code=sku_code)
    except Sku.DoesNotExist:
        raise UnknownSku(f"unknown SKU {sku_code!r}") from None

    figures = selectors.sku_figures([sku.pk]).get(sku.pk)
    if figures and figures.available > 0:
        return Subscribed.AVAILABLE
    if _at_cap(email):
        logger.warning(
            "back-in-stock request over the address cap", extra={"sku": sku.code}
        )
        return Subscribed.CAPPED

    try:
        with transaction.atomic():
            row = BackInStockSubscription.objects.create(sku=sku, email=email)
    except IntegrityError:
        return Subscribed.ALREADY
    logger.info("back-in-stock subscription %s", row.pk, extra={"sku": sku.code})
    return Subscribed.CREATED


def _at_cap(email: str) -> bool:
    """Return whether an address has as many alerts as one may have.

    Counts those still waiting and those made in the last day, so no one
    can fill another's inbox by subscribing it to every SKU, nor by doing
    so again each time the messages went out. Two requests at the same
    instant may both pass; the cap is a brake, not an exact count.
    """
    since = timezone.now() - timedelta(days=1)
    recent = BackInStockSubscription.objects.filter(
        PENDING | Q(created_at__gte=since), email=email
    )
    return recent.count() >= settings.BACK_IN_STOCK_MAX_PER_ADDRESS


def back_in_stock_unsubscribe(*, token: str) -> str:
    """Stop every alert still waiting for the token's address; return it.

    Safe to repeat. An alert being sent at this very moment may still
    arrive; none is sent after this returns.
    """
    email = email_from_token(token)
    stopped = BackInStockSubscription.objects.filter(PENDING, email=email).update(
        unsubscribed_at=timezone.now()
    )
    logger.info("unsubscribed %d back-in-stock alerts", stopped)
    return email


def back_in_stock_notify(*, batch_size: int = NOTIFY_BATCH) -> int:
    """Send one message to each pending subscriber of a SKU that has
    units available again; return how many were sent.

    Safe to run any number of times at once: each subscription is
    claimed by a conditional UPDATE (committed at once) before its message
    goes, so only the run whose claim succeeds sends it.
    """
    waiting = BackInStockSubscription.objects.filter(PENDING)
    sku_ids = set(waiting.order_by().values_list("sku_id", flat=True).distinct())
    figures = selectors.sku_figures(sku_ids)
    back = [pk for pk, found in figures.items() if found.available > 0]
    if not back:
        return 0

    due = list(waiting.filter(sku_id__in=back).order_by("pk")[:batch_size])
    sent = 0
    # The connection opens before any claim: a mail server that is down
    # fails the run here, with every subscription still pending.
    with mail.get_connection() as connection:
        for subscription in due:
            found = figures[subscription.sku_id]
            sent += _notify_one(subscription, found, connection=connection)

    if sent:
        logger.info("sent %d back-in-stock messages", sent)
    return sent


def _notify_one(subscription, figures, *, connection) -> bool:
    claimed_at = timezone.now()
    claimed = BackInStockSubscription.objects.filter(
        PENDING, pk=subscription.pk
    ).update(notified_at=claimed_at)
    if not claimed:
        # Another run sent it, or the customer unsubscribed meanwhile.
        return False

    message = back_in_stock_message(subscription, figures, connection=connection)
    try:
        message.send()
    # Limitation: a mail server that takes a message and then drops the
    # connection before confirming it looks like one that refused it, so
    # that subscriber gets the message a second time on the next run.
    except (smtplib.SMTPException, OSError):
        logger.exception("back-in-stock message %s not sent", subscription.pk)
        _unclaim(subscription, claimed_at)
        return False
    return True


def _unclaim(subscription, claimed_at: datetime) -> None:
    """Make a subscription pending again after its message failed, so the
    next run tries once more."""
    try:
        with transaction.atomic():
            BackInStockSubscription.objects.filter(
                pk=subscription.pk, notified_at=claimed_at
            ).update(notified_at=None)
    except IntegrityError:
        # The customer asked again while we tried; that newer request is
        # pending and will be sent instead.
        pass


def subscriptions_prune(*, now: datetime | None = None) -> int:
    """Forget subscriptions notified or unsubscribed longer ago than
    ALERTS_HISTORY_DAYS; return how many."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.ALERTS_HISTORY_DAYS)
    done = Q(notified_at__lt=cutoff) | Q(unsubscribed_at__lt=cutoff)
    deleted, _ = BackInStockSubscription.objects.filter(done).delete()
    if deleted:
        logger.info("pruned %d back-in-stock subscriptions", deleted)
    return deleted
