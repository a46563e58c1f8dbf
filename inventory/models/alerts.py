from django.db import models
from django.db.models import Q
from django.utils import timezone


class DriftAlert(models.Model):
    """Problems a scheduled reconcile found: figures that drifted from
    their sources, ledger chains that broke.

    At most one alert is open at a time; later runs update it instead of
    raising another. It shows on every admin page until a manager
    acknowledges it.
    """

    found_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    summary = models.CharField(max_length=300)
    # {"total": n, "problems": [{"key": ..., "text": ...}, ...]}
    details = models.JSONField(default=dict)
    # When managers were e-mailed; null until an e-mail went out.
    notified_at = models.DateTimeField(null=True, blank=True)
    is_open = models.BooleanField(default=True)
    acknowledged_by = models.CharField(max_length=150, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-found_at"]
        permissions = [
            ("acknowledge_drift", "Can acknowledge a stock drift alert"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["is_open"],
                condition=Q(is_open=True),
                name="drift_alert_one_open",
            ),
            models.CheckConstraint(
                condition=Q(is_open=True, acknowledged_at__isnull=True)
                | Q(is_open=False, acknowledged_at__isnull=False),
                name="drift_alert_open_until_acknowledged",
            ),
        ]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.found_at):%Y-%m-%d %H:%M}: {self.summary}"

    def problem_keys(self) -> set[str]:
        return {p["key"] for p in self.details.get("problems", [])}
