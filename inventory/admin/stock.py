"""Stock rows in the admin, shown read-only: every figure changes through
the stock services (the stock room's forms are in ``levels``)."""

from django.contrib import admin, messages

from ..errors import StockError
from ..models import (
    LedgerEntry,
    Reservation,
    ReservationLine,
    StockEvent,
    Warehouse,
    actor_label,
)
from ..services import reservation_release


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
    actions = ("release",)

    def has_release_permission(self, request) -> bool:
        return request.user.has_perm("inventory.change_reservation")

    @admin.action(description="Release the chosen holds", permissions=["release"])
    def release(self, request, queryset):
        released, refused = 0, []
        for reservation in queryset.filter(status=Reservation.Status.ACTIVE):
            try:
                reservation_release(
                    reservation_id=reservation.pk, actor=actor_label(request.user)
                )
            except StockError as error:
                refused.append(f"{reservation.pk}: {error.detail}")
            else:
                released += 1
        self.message_user(request, f"Released {released} holds.", messages.SUCCESS)
        for line in refused:
            self.message_user(request, line, messages.ERROR)


class ActorFilter(admin.SimpleListFilter):
    """Who made the change: a person, a vendor, a feed or the shop."""

    title = "actor"
    parameter_name = "actor"

    def lookups(self, request, model_admin):
        actors = (
            LedgerEntry.objects.exclude(actor="")
            .order_by("actor")
            .values_list("actor", flat=True)
            .distinct()[:100]
        )
        return [(actor, actor) for actor in actors]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(actor=self.value())
        return queryset


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
        "safety_stock_delta",
        "actor",
        "order",
        "reservation",
    )
    list_filter = ("reason", ActorFilter, "level__warehouse")
    search_fields = ("level__sku__code", "actor", "note")
    date_hierarchy = "created_at"
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
