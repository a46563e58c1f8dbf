from django import forms

from .selectors import MAX_SEARCH_LENGTH


class CatalogFilterForm(forms.Form):
    """The catalog's search box and category filters, read from GET.

    The choices come from the data (``selectors.category_tree``); a value
    not among them is a form error and that filter is left out.
    """

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=MAX_SEARCH_LENGTH,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name or code"}),
    )
    category = forms.ChoiceField(label="Category", required=False)
    sub_category = forms.ChoiceField(label="Sub-category", required=False)

    def __init__(self, *args, tree: dict[str, list[str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = self._choices(tree)

        chosen = self.data.get("category", "")
        subs = tree.get(chosen) or sorted({s for v in tree.values() for s in v})
        self.fields["sub_category"].choices = self._choices(subs)

        # Without a script, a shopper changes the category and submits with
        # the old sub-category still selected: drop it rather than refuse.
        if chosen in tree and self.data.get("sub_category") not in subs:
            self.data = self.data.copy()
            self.data["sub_category"] = ""

    @staticmethod
    def _choices(names) -> list[tuple[str, str]]:
        return [("", "All"), *((name, name) for name in names)]

    def filters(self) -> dict[str, str]:
        """Return the valid filters, blank for the ones in error."""
        self.is_valid()
        return {
            "search": self.cleaned_data.get("q", ""),
            "category": self.cleaned_data.get("category", ""),
            "sub_category": self.cleaned_data.get("sub_category", ""),
        }
