"""The ``reserve`` mutation's write: the REST hold's service and
idempotency, called the same way, answering the same body."""

from inventory import services
from inventory.api.holding import hold_answer
from inventory.api.serializers import MAX_LINES
from inventory.errors import InvalidRequest

from .text import checked_text

MAX_CODE_LENGTH = 64
ACTOR = "graphql"


def reserve(
    *, lines: list[tuple[str, int]], ship_to: str | None, key: str | None
) -> dict:
    """Hold every line or none; return POST /reservations' 201 body.

    With ``key``, a retry answers as the first request did and holds
    nothing more; the request is fingerprinted as the REST body with the
    same lines and ``ship_to`` would be, so a key is one key across both
    APIs.
    """
    pairs = _checked_lines(lines)
    ship_to = checked_text(ship_to, "shipTo")

    # REST fingerprints the body as sent and holds what its serializer
    # made of it (codes trimmed); so does this.
    sent = _rest_body(lines, ship_to)
    data = _rest_body(pairs, ship_to)
    return hold_answer(data, body=sent, key=key, actor=ACTOR)[1]


def _rest_body(lines: list[tuple[str, int]], ship_to: str | None) -> dict:
    body = {"lines": [{"sku": sku, "quantity": qty} for sku, qty in lines]}
    if ship_to is not None:
        body["ship_to"] = ship_to
    return body


def _checked_lines(lines: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Return the lines with their codes trimmed, or refuse what the REST
    body's serializer refuses: no lines, too many, a blank code or one no
    SKU can have, a quantity out of range."""
    if not lines:
        raise InvalidRequest("lines: a reservation needs at least one line")
    if len(lines) > MAX_LINES:
        raise InvalidRequest(f"lines: at most {MAX_LINES} lines a request")
    checked = []
    for index, (sku, quantity) in enumerate(lines):
        # Trimmed as the REST serializer trims it, so both hold the same
        # SKU and fingerprint the same body.
        sku = checked_text(sku, f"lines.{index}.sku").strip()
        if not sku:
            raise InvalidRequest(f"lines.{index}.sku: may not be blank")
        if len(sku) > MAX_CODE_LENGTH:
            raise InvalidRequest(
                f"lines.{index}.sku: at most {MAX_CODE_LENGTH} characters"
            )
        services.check_quantity(quantity, field=f"lines.{index}.quantity")
        checked.append((sku, quantity))
    return checked


def release(*, reservation_id: str) -> None:
    """Release a hold, as DELETE /reservations/{id}: again, or after it
    lapsed, does nothing; a hold that became an order is refused."""
    checked_text(reservation_id, "id")
    services.reservation_release(reservation_id=reservation_id, actor=ACTOR)
