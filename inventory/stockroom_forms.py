"""The stock room's forms: each carries the level's version from when it
was opened, so a change made from stale figures can be refused."""

import re

from django import forms

from .models import Reason
from .stockroom import ADJUST_REASONS, MAX_UNITS


class WholeNumberField(forms.IntegerField):
    """An integer written plainly: ASCII digits, a minus sign at most.

    Python's int() also reads "1_000", "+2" and other scripts' digits; on
    a stock form each of those is far likelier a slip than meant.
    """

    plain = re.compile(r"-?[0-9]+")
    default_error_messages = {"invalid": "Enter a whole number."}

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip()
            if value and not self.plain.fullmatch(value):
                raise forms.ValidationError(
                    self.error_messages["invalid"], code="invalid"
                )
        return super().to_python(value)


def _units(label: str, *, low: int = 1, help_text: str = "") -> forms.IntegerField:
    return WholeNumberField(
        label=label, min_value=low, max_value=MAX_UNITS, help_text=help_text
    )


class StockForm(forms.Form):
    version = WholeNumberField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={
            "required": "This form is missing its version: reload the page.",
            "invalid": "This form's version is damaged: reload the page.",
            "min_value": "This form's version is damaged: reload the page.",
        },
    )
    note = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, level=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.level = level


class ReceiveForm(StockForm):
    quantity = _units(
        "Units received",
        help_text=(
            "Units a vendor announced come off incoming; goods a purchase "
            "order owes are received on the order instead."
        ),
    )
    field_order = ["quantity", "note"]


class CountForm(StockForm):
    counted = _units("Units counted on the shelf", low=0)
    field_order = ["counted", "note"]


class AdjustForm(StockForm):
    delta = WholeNumberField(
        label="Change in units on hand",
        min_value=-MAX_UNITS,
        max_value=MAX_UNITS,
        help_text="Negative takes units off.",
    )
    reason = forms.ChoiceField(
        choices=[(r, Reason(r).label) for r in ADJUST_REASONS],
    )
    field_order = ["delta", "reason", "note"]

    def clean_delta(self) -> int:
        delta = self.cleaned_data["delta"]
        if delta == 0:
            raise forms.ValidationError("A change of 0 changes nothing.")
        return delta


class WriteOffForm(StockForm):
    quantity = _units("Damaged units to write off")
    field_order = ["quantity", "note"]


class TransferForm(StockForm):
    quantity = _units("Units to move")
    to_warehouse = forms.TypedChoiceField(coerce=int, label="To warehouse")
    field_order = ["quantity", "to_warehouse", "note"]

    def __init__(self, *args, level=None, **kwargs):
        super().__init__(*args, level=level, **kwargs)
        others = level.sku.levels.exclude(pk=level.pk).select_related("warehouse")
        self.fields["to_warehouse"].choices = [
            (other.warehouse_id, other.warehouse.code)
            for other in others.order_by("warehouse__code")
        ]


class SafetyStockForm(StockForm):
    safety_stock = _units("Units kept back from online sale", low=0)
    field_order = ["safety_stock"]
