"""The catalog and product pages: parse, read, render."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from orders import cart
from orders.forms import AddToCartForm

from . import selectors
from .forms import CatalogFilterForm

PAGE_SIZE = 24


@require_http_methods(["GET", "HEAD"])
def catalog(request: HttpRequest) -> HttpResponse:
    """List new-condition products, filtered and paginated.

    Query count: the category list, the page count, the page and (unless
    the availability cache holds them) its levels; the same for 3 products
    as for 3,000.
    """
    form = CatalogFilterForm(request.GET, tree=selectors.category_tree())
    skus = selectors.skus_for_catalog(**form.filters())

    page = Paginator(skus, PAGE_SIZE).get_page(request.GET.get("page"))
    cards = selectors.product_cards(list(page.object_list))
    return render(
        request,
        "catalog/catalog.html",
        {"form": form, "page": page, "cards": cards},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def product(request: HttpRequest, code: str) -> HttpResponse:
    """Show one SKU; a POST is its add-to-cart form."""
    sku, sibling = selectors.sku_with_sibling(code)
    if sku is None:
        raise Http404("No product with this code.")
    cards = selectors.product_cards([sku, sibling] if sibling else [sku])
    card = cards[0]

    form = AddToCartForm(
        request.POST if request.method == "POST" else None,
        cart=cart.cart_read(request.session),
        code=sku.code,
        available=card.figures["available"],
    )
    if form.is_valid():
        quantity = form.cleaned_data["quantity"]
        cart.cart_add(request.session, code=sku.code, quantity=quantity)
        messages.success(request, f"Added {quantity} × {sku.name} to your cart.")
        return redirect("orders:cart")

    context = {
        "card": card,
        "sibling": cards[1] if sibling else None,
        "form": form,
    }
    return render(request, "catalog/product.html", context)
