from datetime import timedelta

from django.db import models
from django.db.models import Q
from django.utils import timezone

from .endpoints import Endpoint


class Delivery(models.Model):
    """One stock event on its way to one endpoint.

    Deliveries of one SKU to one endpoint go out one at a time in
    ``sequence`` order: only the lowest undelivered one (the head) is
    sent, and the next waits until it has been answered with a 2xx.
    """

    endpoint = models.ForeignKey(
        Endpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.UUIDField()
    sku_code = models.CharField(max_length=64)
    sequence = models.BigIntegerField()
    kind = models.CharField(max_length=20)
    body = models.TextField()
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    # A sender owns the delivery until then; one that died lets it lapse.
    leased_until = models.DateTimeField(null=True, blank=True)
    first_failed_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event_id"], name="delivery_once_per_endpoint"
            )
        ]
        indexes = [
            models.Index(
                fields=["endpoint", "sku_code", "sequence"],
                condition=Q(delivered_at__isnull=True),
                name="delivery_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.sku_code}#{self.sequence} to endpoint {self.endpoint_id}"

    @property
    def delivered(self) -> bool:
        return self.delivered_at is not None


class DeliveryAttempt(models.Model):
    """One try at a delivery: the delivery log."""

    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="tries"
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    milliseconds = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.status or self.error} at {self.at:%Y-%m-%d %H:%M:%S}"


class RunLease(models.Model):
    """A job that must not run twice at once holds its row's lease.

    Taken with a conditional UPDATE, so it works on SQLite as on
    PostgreSQL; a run that dies lets it lapse.
    """

    name = models.CharField(max_length=64, primary_key=True)
    until = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} until {self.until:%Y-%m-%d %H:%M:%S}"

    @classmethod
    def take(cls, name: str, *, seconds: float) -> bool:
        now = timezone.now()
        cls.objects.get_or_create(name=name, defaults={"until": now})
        until = now + timedelta(seconds=seconds)
        return cls.objects.filter(name=name, until__lte=now).update(until=until) == 1

    @classmethod
    def free(cls, name: str) -> None:
        cls.objects.filter(name=name).update(until=timezone.now())
