"""The ``reserve`` mutation: POST /api/v1/reservations in GraphQL."""

import strawberry
from asgiref.sync import sync_to_async
from strawberry.types import Info

from inventory.errors import InvalidRequest

from . import holds
from .limits import spend_skus
from .types import LineInput, Reservation


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Hold every line or none, as POST /api/v1/reservations. "
        "A refusal is an error whose extensions.code is the REST code "
        "(insufficient_stock with its lines, invalid, "
        "idempotency_key_reused). The same idempotencyKey (or "
        "Idempotency-Key header) again answers the first hold."
    )
    async def reserve(
        self,
        info: Info,
        lines: list[LineInput],
        ship_to: str | None = None,
        idempotency_key: str | None = None,
    ) -> Reservation | None:
        key = _key(idempotency_key, info.context.header("Idempotency-Key"))
        pairs = [(line.sku, line.quantity) for line in lines]
        spend_skus(len({sku for sku, _ in pairs}))

        body = await sync_to_async(holds.reserve)(lines=pairs, ship_to=ship_to, key=key)
        return Reservation.from_dict(body)

    @strawberry.mutation(
        description="Release a hold, as DELETE /api/v1/reservations/{id}: "
        "true, and releasing again or after it lapsed changes nothing. "
        "unknown_reservation for an id that names none, reservation_used "
        "for a hold that became an order."
    )
    async def release(self, id: strawberry.ID) -> bool:
        await sync_to_async(holds.release)(reservation_id=str(id))
        return True


def _key(argument: str | None, header: str | None) -> str | None:
    if argument is not None and header is not None and argument != header:
        raise InvalidRequest("idempotencyKey and the Idempotency-Key header differ")
    return argument if argument is not None else header
