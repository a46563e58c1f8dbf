from django import forms
from django.contrib import admin
from django.core import signing

from forecasting.charts import demand_svg, sku_weekly_demand
from inventory.charts import history_svg, stock_history
from inventory.models import actor_label
from inventory.stockroom import sku_threshold_set
from inventory.stockroom_forms import WholeNumberField

from .models import Sku

OPENED_SALT = "catalog.sku.opened"


EDITABLE = ["name", "category", "sub_category", "list_price", "low_stock_threshold"]


class SkuForm(forms.ModelForm):
    """A SKU's words, price and threshold, saved only where this form
    changed them.

    The form carries the values it was opened with (signed). A field left
    as it was is not written, whatever happened to it meanwhile; a field
    changed here that someone else changed since is refused, so a stale
    form never puts an old value back.
    """

    low_stock_threshold = WholeNumberField(min_value=0, max_value=1_000_000)
    opened = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Sku
        fields = EDITABLE

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.touched: list[str] = []
        if self.instance.pk:
            seen = {name: str(getattr(self.instance, name)) for name in EDITABLE}
            self.fields["opened"].initial = signing.dumps(seen, salt=OPENED_SALT)

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk:
            return cleaned
        try:
            seen = signing.loads(self.data.get("opened", ""), salt=OPENED_SALT)
        except signing.BadSignature:
            raise forms.ValidationError(
                "This form is damaged or too old: reload the page."
            ) from None
        # The admin read the instance afresh for this request, and the
        # form has not written to it yet: it holds the values as they are.
        for name in EDITABLE:
            if name not in cleaned or str(cleaned[name]) == seen.get(name):
                continue
            current = getattr(self.instance, name)
            if str(current) != seen.get(name):
                self.add_error(
                    name,
                    "Someone changed this since the form was opened; it is now "
                    f"{current}. Reload the page to change it.",
                )
            else:
                self.touched.append(name)
        return cleaned


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
    readonly_fields = (
        "code",
        "product_id",
        "condition",
        "twin",
        "sequence",
    )
    change_form_template = "admin/catalog/sku/change_form.html"
    form = SkuForm
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

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm("inventory.set_stock_levels"):
            fields.append("low_stock_threshold")
        return fields

    def save_model(self, request, obj, form, change) -> None:
        # ``sequence`` moves under row locks while the form is open; a full
        # save would write the stale number back over it. A new threshold
        # may change the SKU's status, so it goes through the service that
        # tells live pages.
        plain = [f for f in form.touched if f != "low_stock_threshold"]
        if plain:
            obj.save(update_fields=plain)
        if "low_stock_threshold" in form.touched:
            sku_threshold_set(
                sku_id=obj.pk,
                threshold=form.cleaned_data["low_stock_threshold"],
                actor=actor_label(request.user),
            )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = dict(extra_context or {})
        if object_id and str(object_id).isdigit():
            extra["chart"] = history_svg(stock_history(sku_id=int(object_id)))
            past, ahead = sku_weekly_demand(sku_id=int(object_id))
            extra["demand_chart"] = demand_svg(past, ahead)
        return super().change_view(request, object_id, form_url, extra)
