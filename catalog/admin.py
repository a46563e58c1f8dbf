from django.contrib import admin

from .models import Sku


@admin.register(Sku)
class SkuAdmin(admin.ModelAdmin):
    """SKUs come from the importer with their twin and stock levels, so
    the admin neither adds nor deletes them, and edits only their words
    and price."""

    list_display = (
        "code",
        "name",
        "condition",
        "category",
        "sub_category",
        "list_price",
        "low_stock_threshold",
        "sequence",
    )
    list_filter = ("condition", "category", "sub_category")
    search_fields = ("code", "name", "product_id")
    list_select_related = ("twin",)
    # A new threshold would change a SKU's status with no stock event to
    # tell live pages, so it is read-only until that change can send one.
    readonly_fields = (
        "code",
        "product_id",
        "condition",
        "twin",
        "low_stock_threshold",
        "sequence",
    )
    fields = (
        "code",
        "name",
        "product_id",
        "condition",
        "twin",
        "category",
        "sub_category",
        "list_price",
        "low_stock_threshold",
        "sequence",
    )

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        # ``sequence`` moves under row locks while the form is open; a full
        # save would write the stale number back over it.
        obj.save(update_fields=form.changed_data)
