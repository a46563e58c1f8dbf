"""The cart, checkout and order confirmation pages."""

import logging
import uuid

from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from inventory.errors import IdempotencyMismatch, InsufficientStock, StockError
from inventory.models import actor_label

from . import cart
from .forms import CartLineForm, CheckoutForm
from .models import Order, OrderLine

logger = logging.getLogger(__name__)

# Orders this browser placed, newest last; only they are shown to it.
ORDERS_KEY = "orders"
MAX_REMEMBERED_ORDERS = 20


def _fixes(lines: list[cart.CartLine]) -> list[str]:
    """Return what the shopper must change before checking out."""
    return [line.fix for line in lines if line.fix]


@require_http_methods(["GET", "HEAD", "POST"])
def cart_page(request: HttpRequest) -> HttpResponse:
    """Show the cart; a POST updates or removes one line."""
    lines = cart.cart_current(request.session)
    available = {line.sku.code: line.available for line in lines}

    form = None
    if request.method == "POST":
        form = CartLineForm(request.POST, available=available)
        if form.is_valid():
            _change_line(request, form.cleaned_data)
            return redirect("orders:cart")

    context = {
        "lines": lines,
        "total": cart.cart_total(lines),
        "fixes": _fixes(lines),
        "form": form,
        "failed_sku": form and form.data.get("sku"),
        "top_errors": _line_free_errors(form),
    }
    return render(request, "orders/cart.html", context)


def _line_free_errors(form: CartLineForm | None) -> list[str]:
    """Return the errors that belong to no line of the cart."""
    if form is None:
        return []
    fields = ("sku", "action", "__all__")
    return [error for f in fields for error in form.errors.get(f, [])]


def _change_line(request: HttpRequest, data: dict) -> None:
    code = data["sku"]
    if data["action"] == CartLineForm.REMOVE:
        cart.cart_remove(request.session, code=code)
        messages.success(request, f"Removed {code} from your cart.")
        return
    cart.cart_set(request.session, code=code, quantity=data["quantity"])
    messages.success(request, f"Updated {code} to {data['quantity']}.")


@require_http_methods(["GET", "HEAD", "POST"])
def checkout(request: HttpRequest) -> HttpResponse:
    """Take the shopper's details; a POST holds the cart and orders it."""
    lines = cart.cart_current(request.session)
    if not lines:
        messages.info(request, "Your cart is empty.")
        return redirect("orders:cart")

    if request.method != "POST":
        if _fixes(lines):
            messages.error(request, "Some lines cannot be had as they stand.")
            return redirect("orders:cart")
        form = CheckoutForm(initial={"token": uuid.uuid4()})
    else:
        form = CheckoutForm(request.POST)
        if form.is_valid():
            return _place(request, lines, form.cleaned_data)

    context = {"lines": lines, "total": cart.cart_total(lines), "form": form}
    return render(request, "orders/checkout.html", context)


def _place(request: HttpRequest, lines: list, data: dict) -> HttpResponse:
    """Place the order; on a refusal go back with nothing held."""
    try:
        order_id = cart.cart_checkout(
            lines=lines,
            email=data["email"],
            ship_to=data["ship_to"],
            token=str(data["token"]),
            actor=actor_label(request.user) or "storefront",
        )
    except InsufficientStock as refusal:
        for short in refusal.extra.get("lines", []):
            messages.error(request, _short_line_text(short))
        return redirect("orders:cart")
    except IdempotencyMismatch:
        messages.error(request, "Your cart changed: please check it again.")
        return redirect("orders:checkout")
    except StockError as refusal:
        logger.warning("checkout refused: %s", refusal.detail)
        messages.error(request, f"We could not place the order: {refusal.detail}.")
        return redirect("orders:cart")

    cart.cart_clear(request.session)
    _remember_order(request.session, order_id)
    return redirect("orders:order", order_id=order_id)


def _short_line_text(short: dict) -> str:
    available = short.get("available") or 0
    left = f"only {available} left" if available else "out of stock"
    return (
        f"Not enough of {short['sku']}: you asked for "
        f"{short['requested']}, {left}. Nothing was held or charged."
    )


def _remember_order(session, order_id: str) -> None:
    placed = [o for o in session.get(ORDERS_KEY, []) if o != order_id]
    session[ORDERS_KEY] = [*placed, order_id][-MAX_REMEMBERED_ORDERS:]


@require_http_methods(["GET", "HEAD"])
def order_page(request: HttpRequest, order_id: uuid.UUID) -> HttpResponse:
    """Confirm an order to the browser that placed it, or to staff."""
    placed = request.session.get(ORDERS_KEY, [])
    mine = isinstance(placed, list) and str(order_id) in placed
    if not (mine or request.user.is_staff):
        raise Http404("No such order.")

    lines = OrderLine.objects.select_related("level__sku", "level__warehouse")
    orders = Order.objects.prefetch_related(Prefetch("lines", queryset=lines))
    order = orders.filter(pk=order_id).first()
    if order is None:
        raise Http404("No such order.")
    return render(request, "orders/order.html", {"order": order})
