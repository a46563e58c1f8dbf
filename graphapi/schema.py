"""The GraphQL schema, beside REST and over the same selectors and
services. ``schema.graphql`` beside this module is its printed form;
``manage.py graphql_schema`` rewrites it."""

from pathlib import Path

import strawberry
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType

from .errors import add_codes
from .limits import extensions, operation_named
from .mutations import Mutation
from .queries import Query
from .subscriptions import Subscription

SCHEMA_FILE = Path(__file__).resolve().parent / "schema.graphql"


class ShopSchema(strawberry.Schema):
    async def execute(self, *args, allowed_operation_types=None, **kwargs):
        """Run a query or mutation; never a subscription.

        Strawberry lets POST carry a subscription and then executes it as
        a query, which yields nothing; subscriptions belong on the socket
        (``schema.subscribe``), so here they are refused as ``invalid``.
        """
        allowed = set(allowed_operation_types or DEFAULT_ALLOWED_OPERATION_TYPES)
        allowed.discard(OperationType.SUBSCRIPTION)
        token = operation_named.set(kwargs.get("operation_name") is not None)
        try:
            return await super().execute(
                *args, allowed_operation_types=allowed, **kwargs
            )
        finally:
            operation_named.reset(token)

    async def stream(self, *args, **kwargs):
        """Start any operation on the socket, noting whether it was named.

        Not reset: the socket runs each operation in a task of its own,
        which reads the note as it iterates the stream, and every entry
        point sets it afresh.
        """
        operation_named.set(kwargs.get("operation_name") is not None)
        return await super().stream(*args, **kwargs)

    def process_errors(self, errors, execution_context: ExecutionContext | None = None):
        """Give each error its code; log only the unexpected ones (in
        ``add_codes``), not every refusal as strawberry would."""
        add_codes(errors)


schema = ShopSchema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    extensions=extensions(),
)


def printed() -> str:
    return schema.as_str() + "\n"
