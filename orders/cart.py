"""The shopper's cart, kept in the session as ``{code: quantity}``, and
its checkout.

Sessions are signed cookies, so a cart cannot be forged, but it can be
old or hold what an earlier version of the shop wrote: every read keeps
only well-formed lines. A cart holds nothing in stock; the hold is taken
at checkout, in ``cart_checkout``.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.sessions.backends.base import SessionBase

from catalog.models import Sku
from inventory.availability import STATUS_WORDS
from inventory.errors import StockError
from inventory.idempotency import fingerprint, idempotent_call
from inventory.selectors import availability_for
from inventory.services import (
    MAX_QUANTITY,
    reservation_create,
    reservation_release,
)

from .services import order_place

SESSION_KEY = "cart"
# The cart travels in a cookie of at most 4 KB, so it keeps few lines.
MAX_LINES = 50
MAX_CODE_LENGTH = 64


def _well_formed(code: object, quantity: object) -> bool:
    return (
        isinstance(code, str)
        and 0 < len(code) <= MAX_CODE_LENGTH
        and type(quantity) is int
        and 1 <= quantity <= MAX_QUANTITY
    )


def cart_read(session: SessionBase) -> dict[str, int]:
    """Return the session's cart, without any malformed line."""
    stored = session.get(SESSION_KEY)
    if not isinstance(stored, dict):
        return {}
    lines = {c: q for c, q in stored.items() if _well_formed(c, q)}
    return dict(list(lines.items())[:MAX_LINES])


def cart_write(session: SessionBase, cart: dict[str, int]) -> None:
    session[SESSION_KEY] = cart


def cart_add(session: SessionBase, *, code: str, quantity: int) -> dict[str, int]:
    """Add units of a SKU; the caller checked the total is allowed."""
    cart = cart_read(session)
    cart[code] = cart.get(code, 0) + quantity
    cart_write(session, cart)
    return cart


def cart_set(session: SessionBase, *, code: str, quantity: int) -> dict[str, int]:
    cart = cart_read(session)
    cart[code] = quantity
    cart_write(session, cart)
    return cart


def cart_remove(session: SessionBase, *, code: str) -> dict[str, int]:
    cart = cart_read(session)
    cart.pop(code, None)
    cart_write(session, cart)
    return cart


def cart_clear(session: SessionBase) -> None:
    session.pop(SESSION_KEY, None)


@dataclass
class CartLine:
    """A cart line with its SKU's current figures.

    ``problem`` says why the line cannot be had as it stands, or is None.
    """

    sku: Sku
    quantity: int
    figures: dict

    @property
    def available(self) -> int:
        return self.figures["available"]

    @property
    def status_words(self) -> str:
        return STATUS_WORDS[self.figures["status"]]

    @property
    def total(self) -> Decimal:
        return self.sku.list_price * self.quantity

    @property
    def problem(self) -> str | None:
        if self.available == 0:
            return "Out of stock"
        if self.quantity > self.available:
            return f"Only {self.available} left"
        return None

    @property
    def fix(self) -> str | None:
        """Say what the shopper must change before checking out."""
        if self.available == 0:
            return f"{self.sku.name}: out of stock, remove it"
        if self.quantity > self.available:
            return f"{self.sku.name}: lower it to {self.available} or remove it"
        return None


def cart_lines(cart: dict[str, int]) -> list[CartLine]:
    """Return the lines of ``cart`` whose SKUs exist, in the cart's
    order. Two queries, however many lines."""
    found = {sku.code: sku for sku in Sku.objects.filter(code__in=list(cart))}
    figures = {a["sku"]: a for a in availability_for(list(found))}
    return [
        CartLine(sku=found[code], quantity=qty, figures=figures[code])
        for code, qty in cart.items()
        if code in found and code in figures
    ]


def cart_total(lines: list[CartLine]) -> Decimal:
    return sum((line.total for line in lines), Decimal("0.00"))


def cart_current(session: SessionBase) -> list[CartLine]:
    """Return the session cart's lines, and store them back without any
    malformed line or line whose SKU is gone."""
    lines = cart_lines(cart_read(session))

    kept = {line.sku.code: line.quantity for line in lines}
    if session.get(SESSION_KEY, {}) != kept:
        cart_write(session, kept)
    return lines


def cart_checkout(
    *,
    lines: list[CartLine],
    email: str,
    ship_to: str,
    token: str,
    actor: str,
) -> str:
    """Hold every line, then place the order; return the order's id.

    ``token`` comes from the checkout form: the same form sent twice (a
    double click, a reload) returns the first order instead of placing a
    second. Raise the stock services' errors unchanged; on any refusal
    nothing is held.
    """
    wanted = [(line.sku.code, line.quantity) for line in lines]
    request = {"lines": wanted, "email": email, "ship_to": ship_to}

    def perform() -> tuple[int, dict]:
        order = _hold_then_order(
            wanted=wanted, email=email, ship_to=ship_to, actor=actor
        )
        return 201, {"order": str(order.pk)}

    _, body = idempotent_call(
        key=f"checkout:{token}",
        request_hash=fingerprint(request),
        perform=perform,
    )
    return body["order"]


def _hold_then_order(*, wanted, email: str, ship_to: str, actor: str):
    hold = reservation_create(lines=wanted, ship_to=ship_to or None, actor=actor)
    try:
        return order_place(reservation_id=hold.pk, email=email, actor=actor)
    except StockError:
        # A hold made a moment ago should always become an order. Should
        # it not, give the units back at once rather than leave them to
        # the enclosing rollback or, outside one, to the expiry sweep.
        reservation_release(reservation_id=hold.pk, actor=actor)
        raise
