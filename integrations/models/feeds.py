from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from .vendors import Vendor


class Feed(models.Model):
    """A vendor's stock file the shop pulls on a schedule.

    The circuit breaker lives in ``consecutive_failures`` and
    ``open_until``: closed while ``open_until`` is empty, open (no calls)
    until that time, then half-open for one trial call. ``claimed_until``
    is set by the one worker pulling the feed, so no other pulls it then.
    """

    class Format(models.TextChoices):
        JSON = "json", "JSON"
        CSV = "csv", "CSV"

    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="feeds")
    url = models.URLField(max_length=500)
    format = models.CharField(max_length=8, choices=Format.choices)
    interval_seconds = models.PositiveIntegerField(
        default=900, validators=[MinValueValidator(60), MaxValueValidator(86400)]
    )
    timeout_seconds = models.FloatField(
        default=10.0, validators=[MinValueValidator(0.1), MaxValueValidator(120.0)]
    )
    active = models.BooleanField(default=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    open_until = models.DateTimeField(null=True, blank=True)
    next_run_at = models.DateTimeField(default=timezone.now, db_index=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["vendor__code", "pk"]

    def __str__(self) -> str:
        return f"{self.vendor.code}: {self.url}"

    def circuit(self, *, now=None) -> str:
        """Return ``closed``, ``open`` or ``half-open``."""
        if self.open_until is None:
            return "closed"
        return "open" if (now or timezone.now()) < self.open_until else "half-open"


class FeedRun(models.Model):
    """One attempt to pull a feed, kept for the admin.

    A run the circuit breaker prevents leaves no row: nothing was tried.
    """

    class Outcome(models.TextChoices):
        APPLIED = "applied", "Applied"
        STALE = "stale", "Stale (nothing newer)"
        FAILED = "failed", "Failed (no usable answer)"
        REFUSED = "refused", "Refused (bad content)"

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="runs")
    started_at = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField()
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    lines = models.PositiveIntegerField(default=0)
    applied = models.PositiveIntegerField(default=0)
    stale = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    errors = models.JSONField(default=list, blank=True)
    # Set when this run opened (or re-opened) the circuit breaker.
    opened_circuit = models.BooleanField(default=False)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.feed_id} {self.started_at:%Y-%m-%d %H:%M:%S} {self.outcome}"
