"""The vendor's Shopify mapping, edited on the vendor's own page."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models

from ..models import ShopifyItem, ShopifyLocation

# Shopify's ids start at 1; the form says so rather than the column's 0.
IDS_FROM_ONE = {models.PositiveBigIntegerField: {"min_value": 1}}


class MappingForm(forms.ModelForm):
    """One mapping row, checked against the rows the vendor has saved."""

    def validate_unique(self) -> None:
        """Check the per-vendor constraints too.

        An inline form leaves its parent's key out of constraint checks,
        so a row repeating one saved earlier would otherwise reach the
        database's unique index and end in an error page.

        Limitation: two people saving the same new id at the same moment
        can still both pass this check; the index then refuses the second.
        """
        super().validate_unique()
        exclude = self._get_validation_exclusions() - {"vendor"}
        try:
            self.instance.validate_constraints(exclude=exclude)
        except ValidationError as repeated:
            self.add_error(None, repeated)


class ShopifyItemInline(admin.TabularInline):
    """Which Shopify inventory item stands for which SKU."""

    model = ShopifyItem
    form = MappingForm
    extra = 1
    formfield_overrides = IDS_FROM_ONE
    autocomplete_fields = ["sku"]
    verbose_name = "Shopify inventory item"
    verbose_name_plural = "Shopify inventory items (their id -> our SKU)"


class ShopifyLocationInline(admin.TabularInline):
    """Which Shopify location stands for which warehouse."""

    model = ShopifyLocation
    form = MappingForm
    extra = 1
    formfield_overrides = IDS_FROM_ONE
    verbose_name = "Shopify location"
    verbose_name_plural = "Shopify locations (their id -> our warehouse)"
