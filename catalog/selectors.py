"""Reads of the catalog for the storefront pages.

Every read here takes a constant number of queries, however many SKUs it
returns; their figures come through ``inventory.selectors.availability_for``,
from the availability cache where it is current.
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from inventory.availability import STATUS_WORDS
from inventory.selectors import availability_for

from .models import Condition, Sku

MAX_SEARCH_LENGTH = 100


@dataclass
class ProductCard:
    """A SKU with its availability object and its status in words."""

    sku: Sku
    figures: dict
    status_words: str


def product_cards(skus: list[Sku]) -> list[ProductCard]:
    """Return the cards of ``skus``, in order, their figures read at once."""
    figures = {a["sku"]: a for a in availability_for([sku.code for sku in skus])}
    return [
        ProductCard(
            sku=sku,
            figures=figures[sku.code],
            status_words=STATUS_WORDS[figures[sku.code]["status"]],
        )
        for sku in skus
        if sku.code in figures
    ]


def category_tree() -> dict[str, list[str]]:
    """Return each category with its sub-categories, both sorted, as the
    new-condition SKUs name them. One query."""
    pairs = (
        Sku.objects.filter(condition=Condition.NEW)
        .values_list("category", "sub_category")
        .distinct()
        .order_by("category", "sub_category")
    )
    tree: dict[str, list[str]] = {}
    for category, sub_category in pairs:
        tree.setdefault(category, []).append(sub_category)
    return tree


def skus_for_catalog(
    *, search: str = "", category: str = "", sub_category: str = ""
) -> QuerySet:
    """Return the new-condition SKUs matching the filters, by name.

    ``search`` matches a name or a code, ignoring case.
    """
    skus = Sku.objects.filter(condition=Condition.NEW)

    search = search.strip()[:MAX_SEARCH_LENGTH]
    if search:
        skus = skus.filter(Q(name__icontains=search) | Q(code__icontains=search))
    if category:
        skus = skus.filter(category=category)
    if sub_category:
        skus = skus.filter(sub_category=sub_category)
    return skus.order_by("name", "code")


def sku_with_sibling(code: str) -> tuple[Sku | None, Sku | None]:
    """Return the SKU named ``code`` and its twin or original. One query;
    (None, None) for an unknown code."""
    found = list(
        Sku.objects.filter(Q(code=code) | Q(original__code=code) | Q(twin__code=code))
    )
    sku = next((s for s in found if s.code == code), None)
    if sku is None:
        return None, None

    sibling = next((s for s in found if s.pk != sku.pk), None)
    return sku, sibling
