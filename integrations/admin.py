from django.contrib import admin, messages

from inventory.errors import StockError

from .models import Endpoint, Vendor
from .services import vendor_rotate_secret


@admin.register(Vendor)
class VendorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "active", "previous_valid_until", "created_at"]
    search_fields = ["code", "name"]
    readonly_fields = [
        "secret",
        "previous_secret",
        "previous_valid_until",
        "created_at",
    ]
    actions = ["rotate_secret"]

    def get_readonly_fields(self, request, obj=None):
        # The code names the vendor's URL; it is set once, when added.
        fields = list(super().get_readonly_fields(request, obj))
        return fields + ["code"] if obj else fields

    @admin.action(description="Rotate the secret (the old one stays valid a while)")
    def rotate_secret(self, request, queryset):
        for vendor in queryset:
            try:
                vendor_rotate_secret(code=vendor.code)
            except StockError as error:
                self.message_user(request, error.detail, messages.ERROR)
                return
        self.message_user(request, f"Rotated {queryset.count()} secrets.")


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "events", "active", "paused_reason", "created_at"]
    list_filter = ["active"]
    search_fields = ["url"]
    readonly_fields = ["secret", "paused_reason", "paused_at", "created_at"]

    def has_add_permission(self, request):
        # Registration checks the address; `manage.py webhook_add` does it.
        return False
