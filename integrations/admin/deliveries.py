from django.contrib import admin

from ..models import Delivery, DeliveryAttempt


class AttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    fields = ["at", "status", "error", "milliseconds"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """The delivery log: what went where, when, and what came back."""

    list_display = [
        "sku_code",
        "sequence",
        "kind",
        "endpoint",
        "state",
        "attempts",
        "last_status",
        "last_error",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["endpoint", "kind", ("delivered_at", admin.EmptyFieldListFilter)]
    search_fields = ["sku_code", "event_id"]
    list_select_related = ["endpoint"]
    inlines = [AttemptInline]

    @admin.display(description="state")
    def state(self, delivery: Delivery) -> str:
        if delivery.delivered:
            return "delivered"
        if not delivery.endpoint.active:
            return "waiting: endpoint paused"
        return "retrying" if delivery.attempts else "queued"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
