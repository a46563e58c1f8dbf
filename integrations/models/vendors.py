import secrets

from django.db import models
from django.utils import timezone


def new_secret() -> str:
    return secrets.token_hex(32)


class Vendor(models.Model):
    """A vendor or ERP system that pushes stock to the shop.

    A rotated secret stays valid until ``previous_valid_until``, so the
    vendor can switch without a refused event in between.
    """

    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200, blank=True)
    secret = models.CharField(max_length=128, default=new_secret)
    previous_secret = models.CharField(max_length=128, blank=True)
    previous_valid_until = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    def valid_secrets(self, *, now=None) -> list[str]:
        """Return the secrets a request may be signed with right now."""
        now = now or timezone.now()
        valid = [self.secret]
        if self.previous_secret and self.previous_valid_until:
            if now < self.previous_valid_until:
                valid.append(self.previous_secret)
        return valid


class InboundEvent(models.Model):
    """A vendor's webhook event, stored before it is applied (the inbox).

    Unique per vendor and ``event_id``: two deliveries of one event store
    it once, however close together they arrive.
    """

    class Status(models.TextChoices):
        ACCEPTED = "accepted"
        APPLIED = "applied"
        FAILED = "failed"

    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="events")
    event_id = models.CharField(max_length=200)
    kind = models.CharField(max_length=32)
    occurred_at = models.DateTimeField()
    lines = models.JSONField()
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.ACCEPTED
    )
    applied = models.PositiveIntegerField(default=0)
    stale = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["vendor", "event_id"], name="inbound_event_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.vendor_id}:{self.event_id}"
