"""Read-only lists of what the alerts did: who waits for which SKU, and
the digests the stock room was sent. Only the jobs write these rows."""

from django.contrib import admin
from django.utils.html import format_html_join

from .models import BackInStockSubscription, LowStockDigest


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BackInStockSubscription)
class BackInStockSubscriptionAdmin(ReadOnlyAdmin):
    list_display = ["email", "sku", "state", "created_at", "notified_at"]
    list_filter = [
        ("notified_at", admin.EmptyFieldListFilter),
        ("unsubscribed_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["email", "sku__code", "sku__name"]
    list_select_related = ["sku"]
    date_hierarchy = "created_at"

    @admin.display(description="state")
    def state(self, subscription):
        return subscription.state


@admin.register(LowStockDigest)
class LowStockDigestAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "status", "skus", "sent_at", "to"]
    list_filter = ["status"]
    date_hierarchy = "created_at"
    fields = ["created_at", "status", "sent_at", "to", "listed", "error"]
    readonly_fields = fields

    @admin.display(description="SKUs")
    def skus(self, digest):
        return len(digest.lines)

    @admin.display(description="sent to")
    def to(self, digest):
        return ", ".join(digest.recipients)

    @admin.display(description="listed")
    def listed(self, digest):
        return format_html_join(
            "",
            "<p>{} {}: {} available, threshold {}</p>",
            (
                (line["sku"], line["status"], line["available"], line["threshold"])
                for line in digest.lines
            ),
        )
