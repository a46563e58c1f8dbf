"""A vendor's Shopify store: which of its ids stand for our SKUs and
warehouses.

Shopify names stock by inventory item and location, both 64-bit ids. Each
is mapped once per vendor, and each SKU and warehouse at most once per
vendor too: a Shopify figure replaces one level's on_hand whole, so two
Shopify ids feeding one level would overwrite each other's counts.
"""

from django.core.validators import MinValueValidator
from django.db import models

from .vendors import Vendor

ID_HELP = "The id Shopify shows for it: a whole number from 1."


class ShopifyItem(models.Model):
    """A Shopify inventory item standing for one of our SKUs."""

    vendor = models.ForeignKey(
        Vendor, on_delete=models.CASCADE, related_name="shopify_items"
    )
    inventory_item_id = models.PositiveBigIntegerField(
        validators=[MinValueValidator(1)], help_text=ID_HELP
    )
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["vendor", "inventory_item_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["vendor", "inventory_item_id"],
                name="shopify_item_unique_id",
                violation_error_message=(
                    "This vendor has mapped that inventory item already."
                ),
            ),
            models.UniqueConstraint(
                fields=["vendor", "sku"],
                name="shopify_item_unique_sku",
                violation_error_message=(
                    "This vendor has mapped an inventory item to that SKU already."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"Shopify inventory item {self.inventory_item_id}"


class ShopifyLocation(models.Model):
    """A Shopify location standing for one of our warehouses."""

    vendor = models.ForeignKey(
        Vendor, on_delete=models.CASCADE, related_name="shopify_locations"
    )
    location_id = models.PositiveBigIntegerField(
        validators=[MinValueValidator(1)], help_text=ID_HELP
    )
    warehouse = models.ForeignKey(
        "inventory.Warehouse", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["vendor", "location_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["vendor", "location_id"],
                name="shopify_location_unique_id",
                violation_error_message=(
                    "This vendor has mapped that location already."
                ),
            ),
            models.UniqueConstraint(
                fields=["vendor", "warehouse"],
                name="shopify_location_unique_warehouse",
                violation_error_message=(
                    "This vendor has mapped a location to that warehouse already."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"Shopify location {self.location_id}"
