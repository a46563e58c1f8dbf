"""What the alerts remember: who waits for which SKU, and which SKUs the
staff were last told ran low."""

from django.db import models
from django.db.models import Q

PENDING = Q(notified_at__isnull=True, unsubscribed_at__isnull=True)


class BackInStockSubscription(models.Model):
    """A customer's wish to hear once when a SKU can be had again.

    A row is pending until it is notified or unsubscribed; each of those
    happens at most once, by a conditional UPDATE on the pending row.
    """

    sku = models.ForeignKey(
        "catalog.Sku", on_delete=models.PROTECT, related_name="subscriptions"
    )
    # Kept in lower case, so one address is one subscriber.
    email = models.EmailField(max_length=254, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # Asking twice for the same SKU is asking once; after the
            # message went out, asking again waits for the next return.
            models.UniqueConstraint(
                fields=["sku", "email"],
                condition=PENDING,
                name="alert_one_pending_per_address",
            ),
        ]
        indexes = [
            models.Index(
                fields=["sku"], condition=PENDING, name="alert_pending_by_sku"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} for {self.sku_id}"

    @property
    def state(self) -> str:
        if self.notified_at:
            return "notified"
        if self.unsubscribed_at:
            return "unsubscribed"
        return "waiting"


class LowStockDigest(models.Model):
    """One digest e-mail to the stock room, with the lines it listed."""

    class Status(models.TextChoices):
        SENDING = "sending"
        SENT = "sent"
        FAILED = "failed"

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.SENDING
    )
    recipients = models.JSONField(default=list)
    # One entry per SKU: {sku, name, status, available, threshold,
    # restock_eta, warehouses: [{warehouse, available, incoming}]}.
    lines = models.JSONField(default=list)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"digest #{self.pk} ({len(self.lines)} SKUs)"


class LowStockNotice(models.Model):
    """A SKU the staff were told is low or out, and still is.

    ``sequence`` is the SKU's event sequence when it was reported: an
    ``in_stock`` event after it means the SKU recovered since. The row goes
    when a digest run finds the SKU in stock again.
    """

    class Severity(models.TextChoices):
        LOW = "low"
        OUT = "out"

    sku = models.OneToOneField(
        "catalog.Sku", on_delete=models.CASCADE, related_name="low_stock_notice"
    )
    severity = models.CharField(max_length=8, choices=Severity.choices)
    sequence = models.BigIntegerField()
    digest = models.ForeignKey(
        LowStockDigest, on_delete=models.CASCADE, related_name="notices"
    )

    def __str__(self) -> str:
        return f"{self.sku_id} {self.severity}"


class LowStockCursor(models.Model):
    """The one row digest runs lock, and the time the last one looked.

    Locking it makes two digest runs take turns, so no SKU is reported
    by both.
    """

    checked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"checked at {self.checked_at}"
