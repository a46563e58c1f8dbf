"""The storefront's shopping forms. Each refuses bad input as a form
error: a non-number, zero, a negative or absurd quantity, an unknown SKU.
"""

from django import forms

from inventory.models import Warehouse
from inventory.services import MAX_QUANTITY

from .cart import MAX_CODE_LENGTH, MAX_LINES


def quantity_field(**kwargs) -> forms.IntegerField:
    return forms.IntegerField(
        label="Quantity",
        min_value=1,
        max_value=MAX_QUANTITY,
        error_messages={
            "invalid": f"Enter a whole number from 1 to {MAX_QUANTITY:,}.",
            "min_value": "Enter at least 1.",
            "max_value": f"Enter at most {MAX_QUANTITY:,}.",
        },
        **kwargs,
    )


def check_can_have(*, quantity: int, available: int) -> None:
    """Refuse a quantity beyond what the SKU has available now.

    Advisory only: nothing is held until checkout, where the hold itself
    is the check that counts.
    """
    if available == 0:
        raise forms.ValidationError("Out of stock.")
    if quantity > available:
        raise forms.ValidationError(f"Only {available} left.")


class AddToCartForm(forms.Form):
    """Add units of one SKU, whose code comes from the page's URL."""

    quantity = quantity_field(initial=1)

    def __init__(
        self, *args, cart: dict[str, int], code: str, available: int, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.cart = cart
        self.code = code
        self.available = available

    def clean_quantity(self) -> int:
        quantity = self.cleaned_data["quantity"]
        total = self.cart.get(self.code, 0) + quantity

        if self.code not in self.cart and len(self.cart) >= MAX_LINES:
            raise forms.ValidationError(
                f"Your cart holds at most {MAX_LINES} products."
            )
        if total > MAX_QUANTITY:
            raise forms.ValidationError(
                f"At most {MAX_QUANTITY:,} of one product a cart."
            )
        check_can_have(quantity=total, available=self.available)
        return quantity


class CartLineForm(forms.Form):
    """Change the quantity of a cart line, or remove it."""

    UPDATE = "update"
    REMOVE = "remove"

    sku = forms.CharField(max_length=MAX_CODE_LENGTH, widget=forms.HiddenInput)
    quantity = quantity_field(required=False)
    action = forms.ChoiceField(
        choices=[(UPDATE, "Update"), (REMOVE, "Remove")], widget=forms.HiddenInput
    )

    def __init__(self, *args, available: dict[str, int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Available units by code, for the SKUs in the cart only.
        self.available = available

    def clean_sku(self) -> str:
        code = self.cleaned_data["sku"]
        if code not in self.available:
            raise forms.ValidationError("That product is not in your cart.")
        return code

    def clean(self) -> dict:
        data = super().clean()
        if data.get("action") == self.REMOVE:
            # Removing a line needs no quantity, whatever was typed in it.
            self.errors.pop("quantity", None)
            return data
        if data.get("action") != self.UPDATE or "sku" not in data:
            return data

        quantity = data.get("quantity")
        if quantity is None:
            if "quantity" not in self.errors:
                self.add_error("quantity", "Enter a quantity.")
            return data
        try:
            check_can_have(quantity=quantity, available=self.available[data["sku"]])
        except forms.ValidationError as error:
            self.add_error("quantity", error)
        return data


class CheckoutForm(forms.Form):
    """Who the order is for and where it ships; ``token`` makes a
    resubmitted form place its order once."""

    email = forms.EmailField(label="Email", max_length=254)
    ship_to = forms.ChoiceField(label="Ship to region", required=False)
    token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        codes = Warehouse.objects.order_by("code").values_list("code", flat=True)
        self.fields["ship_to"].choices = [
            ("", "No preference"),
            *((code, code.title()) for code in codes),
        ]
