from django.contrib import admin

from ..models import Endpoint


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "events", "active", "paused_reason", "created_at"]
    list_filter = ["active"]
    search_fields = ["url"]
    readonly_fields = ["secret", "paused_reason", "paused_at", "created_at"]

    def has_add_permission(self, request):
        # Registration checks the address; `manage.py webhook_add` does it.
        return False
