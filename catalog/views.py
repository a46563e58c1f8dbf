"""The catalog and product pages: parse, read, render."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from alerts.forms import BackInStockForm
from alerts.services import Subscribed, back_in_stock_subscribe
from forecasting.selectors import sku_selling_fast
from inventory.availability import OUT_OF_STOCK, RESTOCKING
from inventory.errors import InvalidRequest
from orders import cart
from orders.forms import AddToCartForm

from . import selectors
from .forms import CatalogFilterForm
from .models import Sku
from .selectors import ProductCard

PAGE_SIZE = 24
# The statuses whose product page offers a back-in-stock e-mail.
ALERT_STATUSES = (OUT_OF_STOCK, RESTOCKING)


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
    sku, cards = _product_cards(code)
    form = AddToCartForm(
        request.POST if request.method == "POST" else None,
        cart=cart.cart_read(request.session),
        code=sku.code,
        available=cards[0].figures["available"],
    )
    if form.is_valid():
        quantity = form.cleaned_data["quantity"]
        cart.cart_add(request.session, code=sku.code, quantity=quantity)
        messages.success(request, f"Added {quantity} × {sku.name} to your cart.")
        return redirect("orders:cart")

    return _product_page(request, cards, form=form, alert_form=BackInStockForm())


@require_POST
def product_alert(request: HttpRequest, code: str) -> HttpResponse:
    """Take an address to e-mail once when an out-of-stock SKU is back.

    Whether the address was already waiting, or has as many alerts as
    one may, the answer is the same, so it tells no one who subscribed.
    """
    sku, cards = _product_cards(code)
    alert_form = BackInStockForm(request.POST)
    outcome = None
    if alert_form.is_valid():
        email = alert_form.cleaned_data["email"]
        try:
            outcome = back_in_stock_subscribe(sku_code=sku.code, email=email)
        except InvalidRequest as error:
            alert_form.add_error("email", error.detail)
    if outcome is None:
        form = AddToCartForm(
            cart=cart.cart_read(request.session),
            code=sku.code,
            available=cards[0].figures["available"],
        )
        return _product_page(request, cards, form=form, alert_form=alert_form)

    if outcome == Subscribed.AVAILABLE:
        messages.success(request, f"Good news: {sku.name} is in stock now.")
    else:
        messages.success(
            request,
            f"Thank you. We will e-mail {email} once, "
            f"when {sku.name} is back in stock.",
        )
    return redirect("catalog:product", sku.code)


def _product_cards(code: str) -> tuple[Sku, list[ProductCard]]:
    """Return the SKU and its card, then its sibling's if it has one."""
    sku, sibling = selectors.sku_with_sibling(code)
    if sku is None:
        raise Http404("No product with this code.")
    return sku, selectors.product_cards([sku, sibling] if sibling else [sku])


def _product_page(
    request: HttpRequest, cards: list[ProductCard], *, form, alert_form
) -> HttpResponse:
    context = {
        "card": cards[0],
        "sibling": cards[1] if len(cards) > 1 else None,
        "form": form,
        # Offered only while nothing can be bought.
        "alert_form": alert_form
        if cards[0].figures["status"] in ALERT_STATUSES
        else None,
        "selling_fast": sku_selling_fast(cards[0].sku),
    }
    return render(request, "catalog/product.html", context)
