"""The ``reserve`` mutation's write: the REST hold's service and
idempotency, called the same way, answering the same body."""

from inventory import services
from inventory.api import parsing
from inventory.api.holding import hold_answer
from inventory.api.serializers import ReservationRequestSerializer

from .text import checked_text

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
    for index, (sku, _) in enumerate(lines):
        checked_text(sku, f"lines.{index}.sku")
    ship_to = checked_text(ship_to, "shipTo")

    # Checked by the REST body's own serializer, so a refusal names the
    # same fields in the same words; REST fingerprints the body as sent
    # and holds what the serializer made of it (codes trimmed), and so
    # does this.
    sent = _rest_body(lines, ship_to)
    data = parsing.validated(ReservationRequestSerializer, sent)
    return hold_answer(data, body=sent, key=key, actor=ACTOR)[1]


def _rest_body(lines: list[tuple[str, int]], ship_to: str | None) -> dict:
    body = {"lines": [{"sku": sku, "quantity": qty} for sku, qty in lines]}
    if ship_to is not None:
        body["ship_to"] = ship_to
    return body


def release(*, reservation_id: str) -> None:
    """Release a hold, as DELETE /reservations/{id}: again, or after it
    lapsed, does nothing; a hold that became an order is refused."""
    checked_text(reservation_id, "id")
    services.reservation_release(reservation_id=reservation_id, actor=ACTOR)
