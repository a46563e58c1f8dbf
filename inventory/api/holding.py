"""A hold asked for over HTTP: once per Idempotency-Key, answered in the
contract's body. Shared by the DRF view and its plain fast path."""

from rest_framework import status

from inventory import services
from inventory.idempotency import fingerprint, idempotent_call

from .serializers import reservation_body


def hold_answer(
    data: dict, *, body: dict, key: str | None, actor: str
) -> tuple[int, dict]:
    """Hold what validated request ``data`` asks for (``body`` is the
    request as sent, the idempotency fingerprint's input); return (HTTP
    status, answer body)."""

    def perform() -> tuple[int, dict]:
        reservation = services.reservation_create(
            lines=[(ln["sku"], ln["quantity"]) for ln in data["lines"]],
            ship_to=data.get("ship_to"),
            actor=actor,
        )
        return status.HTTP_201_CREATED, reservation_body(reservation)

    if key is None:
        return perform()
    return idempotent_call(key=key, request_hash=fingerprint(body), perform=perform)
