"""Watching for drift: the scheduled reconcile and the alert it raises.

On any drift or broken ledger chain the job logs a warning, keeps one
open ``DriftAlert`` (shown on every admin page until a manager
acknowledges it) and e-mails the managers once per alert. Later runs
update the open alert rather than raise another, so a problem nobody has
fixed yet never fills the managers' inboxes.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from . import roles
from .errors import NotFound
from .models import DriftAlert, actor_label
from .reconcile import stock_reconcile

logger = logging.getLogger(__name__)

# Problems an alert keeps (its count says how many there were); a broken
# import can drift every level at once, and the alert is one row.
MAX_PROBLEMS = 500
# Problems the e-mail lists; the admin shows the rest.
MAX_MAILED = 50


def drift_watch() -> DriftAlert | None:
    """Reconcile all stock; raise or update the drift alert on problems.

    Return the open alert, or None when nothing is wrong or everything
    wrong was already named by an acknowledged alert.
    """
    problems = stock_reconcile().problems
    if not problems:
        return None

    alert = _alert_record(problems)
    if alert is None:
        logger.warning(
            "stock drift: %d problems, all acknowledged already", len(problems)
        )
        return None
    logger.warning(
        "stock drift: %d problems, alert #%d: %s",
        len(problems),
        alert.pk,
        alert.summary,
    )
    # After the alert committed: a slow mail server holds no row lock.
    if alert.notified_at is None:
        _notify(alert)
    return alert


def _alert_record(problems: list) -> DriftAlert | None:
    try:
        with transaction.atomic():
            return _alert_upsert(problems)
    except IntegrityError:
        # Another run opened the alert at the same moment: update that one.
        with transaction.atomic():
            return _alert_upsert(problems)


def _alert_upsert(problems: list) -> DriftAlert | None:
    """Update the open alert, or open one unless an acknowledged alert
    already named every problem; return the open alert, if any."""
    now = timezone.now()
    details = {
        "total": len(problems),
        "problems": [{"key": p.key, "text": str(p)} for p in problems[:MAX_PROBLEMS]],
    }
    summary = _summary(problems)
    alert = DriftAlert.objects.select_for_update().filter(is_open=True).first()
    if alert is not None:
        alert.summary, alert.details, alert.last_seen_at = summary, details, now
        alert.save(update_fields=["summary", "details", "last_seen_at"])
        return alert

    if _acknowledged(details):
        return None
    return DriftAlert.objects.create(
        found_at=now, last_seen_at=now, summary=summary, details=details
    )


def _acknowledged(details: dict) -> bool:
    """Return whether the last acknowledged alert named every problem.

    A broken chain stays broken and a drift stays until someone corrects
    it; once a manager has acknowledged them, they open no new alert.
    """
    last = DriftAlert.objects.filter(is_open=False).order_by("-acknowledged_at")
    last = last.first()
    keys = {p["key"] for p in details["problems"]}
    return last is not None and keys <= last.problem_keys()


def _summary(problems: list) -> str:
    drifts = sum(1 for p in problems if p.key.startswith("drift "))
    breaks = len(problems) - drifts
    text = (
        f"{_count(drifts, 'figure')} drifted, "
        f"{_count(breaks, 'ledger chain break')}; first: {problems[0]}"
    )
    return text[:300]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _notify(alert: DriftAlert) -> None:
    """E-mail the managers about ``alert`` unless someone already did.

    The alert is claimed first, so two runs never both send; a failed send
    gives the claim back and the next run tries again.
    """
    recipients = roles.staff_emails(roles.MANAGERS)
    if not recipients:
        logger.warning("drift alert #%d: no manager has an e-mail address", alert.pk)
        return
    unsent = DriftAlert.objects.filter(pk=alert.pk, notified_at__isnull=True)
    if not unsent.update(notified_at=timezone.now()):
        return

    try:
        send_mail(
            subject="OfficeShop: stock drift found "
            f"({_count(alert.details['total'], 'problem')})",
            message=_mail_body(alert),
            from_email=None,
            recipient_list=recipients,
        )
    except OSError:
        DriftAlert.objects.filter(pk=alert.pk).update(notified_at=None)
        logger.exception("drift alert #%d: e-mail to managers failed", alert.pk)
        return
    logger.info("drift alert #%d e-mailed to %d managers", alert.pk, len(recipients))


def _mail_body(alert: DriftAlert) -> str:
    problems = alert.details["problems"]
    lines = [f"- {p['text']}" for p in problems[:MAX_MAILED]]
    if alert.details["total"] > len(lines):
        lines.append(f"- and {alert.details['total'] - len(lines)} more")
    found_at = timezone.localtime(alert.found_at)
    link = settings.SITE_URL + reverse(
        "admin:inventory_driftalert_change", args=[alert.pk]
    )
    return "\n".join(
        [
            f"The scheduled reconcile at {found_at:%Y-%m-%d %H:%M %Z} "
            "found stock that does not add up:",
            "",
            *lines,
            "",
            "The admin shows this alert on every page until a manager "
            f"acknowledges it: {link}",
            "`manage.py reconcile` prints the current list.",
        ]
    )


def drift_alert_open() -> DriftAlert | None:
    """Return the alert staff have not acknowledged yet, if there is one."""
    return DriftAlert.objects.filter(is_open=True).first()


def drift_alert_acknowledge(*, alert_id: int, actor: object) -> DriftAlert:
    """Close an open alert, recording who and when.

    Acknowledging a closed alert changes nothing and returns it as it is.
    """
    with transaction.atomic():
        try:
            alert = DriftAlert.objects.select_for_update().get(pk=alert_id)
        except DriftAlert.DoesNotExist:
            raise NotFound(f"no drift alert {alert_id}") from None
        if not alert.is_open:
            return alert

        alert.is_open = False
        alert.acknowledged_by = actor_label(actor)
        alert.acknowledged_at = timezone.now()
        alert.save(update_fields=["is_open", "acknowledged_by", "acknowledged_at"])
    logger.info("drift alert #%d acknowledged by %s", alert.pk, alert.acknowledged_by)
    return alert
