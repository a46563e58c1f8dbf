"""The product page's back-in-stock form."""

from django import forms

from .services import MAX_EMAIL_LENGTH


class BackInStockForm(forms.Form):
    email = forms.EmailField(
        label="Email",
        max_length=MAX_EMAIL_LENGTH,
        error_messages={
            "required": "Enter your e-mail address.",
            "invalid": "Enter a valid e-mail address.",
        },
    )

    def clean_email(self) -> str:
        # The address as it is kept, so the page shows what we will use.
        return self.cleaned_data["email"].lower()
