from django.contrib import admin, messages

from inventory.errors import StockError

from ..models import Vendor
from ..services import vendor_rotate_secret
from .shopify import ShopifyItemInline, ShopifyLocationInline


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
    inlines = [ShopifyItemInline, ShopifyLocationInline]

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
