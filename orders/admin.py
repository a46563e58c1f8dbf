"""Orders in the admin, read-only: their state changes through
orders.services, which moves the stock with them."""

from django.contrib import admin

from inventory.admin import LevelLineInline, ReadOnlyAdmin, ReadOnlyInline

from .models import Order, OrderLine, Return, ReturnLine


class OrderLineInline(LevelLineInline):
    model = OrderLine
    fields = (
        "sku_code",
        "warehouse_code",
        "quantity",
        "shipped",
        "cancelled",
        "returned",
    )
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ("id", "email", "status", "created_at", "cancelled_at")
    list_filter = ("status",)
    search_fields = ("id", "email", "lines__level__sku__code")
    date_hierarchy = "created_at"
    inlines = (OrderLineInline,)


class ReturnLineInline(ReadOnlyInline):
    model = ReturnLine
    fields = ("order_line", "quantity", "condition")
    readonly_fields = fields


@admin.register(Return)
class ReturnAdmin(ReadOnlyAdmin):
    list_display = ("id", "order", "actor", "created_at")
    search_fields = ("order__id",)
    inlines = (ReturnLineInline,)
