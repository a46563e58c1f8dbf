"""``ws://HOST/graphql/``: GraphQL over ``graphql-transport-ws``."""

from strawberry.channels import GraphQLWSConsumer
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)

from .context import GraphContext
from .schema import schema

# The client's messages whose ``id`` names an operation.
WITH_ID = ("subscribe", "complete")


class CheckedMessageHandler(BaseGraphQLTransportWSHandler):
    """Strawberry's protocol handler, closing the socket with 4400 on a
    message of the wrong shape, and giving its operation limit a code.

    Strawberry indexes a message before it checks its shape, so JSON
    that is not an object, or a ``subscribe`` whose payload is not one,
    failed with a TypeError that left the socket open and silent.
    """

    async def handle_message(self, message) -> None:
        problem = message_problem(message)
        if problem is not None:
            await self.handle_invalid_message(problem)
            return
        await super().handle_message(message)

    async def handle_subscribe(self, message) -> None:
        """Refuse an operation past the socket's limit with a code, as
        every other refusal has; strawberry's own refusal has none."""
        limit = self.max_subscriptions_per_connection
        full = limit is not None and len(self.operations) >= limit
        known = message["id"] in self.operations
        if full and self.connection_acknowledged and not known:
            detail = f"a socket runs at most {limit} operations at once"
            error = {"message": detail, "extensions": {"code": "invalid"}}
            await self.send_message(
                {"id": message["id"], "type": "error", "payload": [error]}
            )
            return
        await super().handle_subscribe(message)


def message_problem(message: object) -> str | None:
    """Return why ``message`` is no graphql-transport-ws message, or
    None for one strawberry can read."""
    if not isinstance(message, dict):
        return "a message must be a JSON object"
    kind = message.get("type")
    if not isinstance(kind, str):
        return "a message's type must be a string"
    if kind in WITH_ID and not isinstance(message.get("id"), str):
        return f"a {kind} message's id must be a string"
    if kind == "subscribe" and not isinstance(message.get("payload"), dict):
        return "a subscribe message's payload must be an object"
    return None


class GraphSocketConsumer(GraphQLWSConsumer):
    graphql_transport_ws_handler_class = CheckedMessageHandler

    async def get_context(self, request, response) -> GraphContext:
        headers = {
            name.decode("latin-1").lower(): value.decode("latin-1")
            for name, value in self.scope.get("headers", [])
        }
        return GraphContext(headers=headers, request=request, response=response)


def graphql_socket():
    """Return the ASGI app for the GraphQL socket.

    Any origin may connect: like ``/ws/inventory/``, it takes no cookies
    or credentials and carries public stock figures, and storefronts
    built as separate front ends live on origins of their own.
    """
    return GraphSocketConsumer.as_asgi(
        schema=schema,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        allowed_origins=("*",),
    )
