"""``ws://HOST/graphql/``: GraphQL over ``graphql-transport-ws``."""

from strawberry.channels import GraphQLWSConsumer
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from .context import GraphContext
from .schema import schema


class GraphSocketConsumer(GraphQLWSConsumer):
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
