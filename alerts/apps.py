from django.apps import AppConfig


class AlertsConfig(AppConfig):
    """Back-in-stock e-mails to customers and low-stock digests to staff."""

    name = "alerts"
