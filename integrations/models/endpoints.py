from django.db import models

from .vendors import new_secret

EVENT_KINDS = ("inventory_updated", "low_stock", "out_of_stock", "back_in_stock")


def all_event_kinds() -> list[str]:
    return list(EVENT_KINDS)


class Endpoint(models.Model):
    """Where staff want stock events sent, signed with ``secret``."""

    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=128, default=new_secret)
    events = models.JSONField(default=all_event_kinds)
    active = models.BooleanField(default=True)
    paused_reason = models.CharField(max_length=300, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.url
