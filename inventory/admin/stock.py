"""Stock in the admin, read-only for now.

Every stock figure changes through inventory.services under row locks;
an admin form saving a whole row would write stale figures back over
changes made while it was open. Editing safely comes with its own
services.
"""

from django.contrib import admin

from ..models import (
    LedgerEntry,
    Reservation,
    ReservationLine,
    StockEvent,
    StockLevel,
    Warehouse,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """An admin that shows rows and never adds, changes or deletes one."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class LevelLineInline(ReadOnlyInline):
    """Lines of a hold or order, each naming its SKU and warehouse."""

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs.select_related("level__sku", "level__warehouse")

    @admin.display(description="SKU")
    def sku_code(self, line) -> str:
        return line.level.sku.code

    @admin.display(description="warehouse")
    def warehouse_code(self, line) -> str:
        return line.level.warehouse.code


@admin.register(Warehouse)
class WarehouseAdmin(ReadOnlyAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(StockLevel)
class StockLevelAdmin(ReadOnlyAdmin):
    list_display = (
        "sku",
        "warehouse",
        "on_hand",
        "reserved",
        "committed",
        "available",
        "safety_stock",
        "incoming",
        "restock_eta",
        "version",
    )
    list_filter = ("warehouse",)
    search_fields = ("sku__code", "sku__name")
    list_select_related = ("sku", "warehouse")
    readonly_fields = (*list_display,)

    @admin.display(description="available")
    def available(self, level: StockLevel) -> int:
        return level.available


class ReservationLineInline(LevelLineInline):
    model = ReservationLine
    fields = ("sku_code", "warehouse_code", "quantity", "active", "expires_at")
    readonly_fields = fields


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdmin):
    list_display = ("id", "status", "ship_to", "created_at", "expires_at", "actor")
    list_filter = ("status", "ship_to")
    search_fields = ("id", "actor", "lines__level__sku__code")
    list_select_related = ("ship_to",)
    date_hierarchy = "created_at"
    inlines = (ReservationLineInline,)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "created_at",
        "sku_code",
        "warehouse_code",
        "reason",
        "on_hand_delta",
        "reserved_delta",
        "committed_delta",
        "incoming_delta",
        "actor",
        "order",
        "reservation",
    )
    list_filter = ("reason", "level__warehouse")
    search_fields = ("level__sku__code",)
    list_select_related = ("level__sku", "level__warehouse")
    # The ledger grows with every change; counting it all on each page
    # would be the slowest part of the page.
    show_full_result_count = False

    @admin.display(description="SKU", ordering="level__sku__code")
    def sku_code(self, entry: LedgerEntry) -> str:
        return entry.level.sku.code

    @admin.display(description="warehouse", ordering="level__warehouse__code")
    def warehouse_code(self, entry: LedgerEntry) -> str:
        return entry.level.warehouse.code


@admin.register(StockEvent)
class StockEventAdmin(ReadOnlyAdmin):
    list_display = ("sku", "sequence", "created_at", "published_at")
    search_fields = ("sku__code",)
    list_select_related = ("sku",)
    show_full_result_count = False
    readonly_fields = (
        "event_id",
        "sku",
        "sequence",
        "payload",
        "created_at",
        "published_at",
    )
