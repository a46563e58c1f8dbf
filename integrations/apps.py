from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """Vendor and ERP webhooks and outbound stock events (issue 4)."""

    name = "integrations"
