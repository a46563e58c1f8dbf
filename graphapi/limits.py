"""What one GraphQL request may ask for.

Depth, tokens and aliases are refused while the document is validated,
before anything runs. The SKU budget (at most 100 SKUs a request, as the
REST list call) is spent by the resolvers as they read arguments, so it
counts variables and aliases alike; a request past it is refused as
``invalid`` for the field that went over.
"""

from collections.abc import Iterator
from contextvars import ContextVar

from django.conf import settings
from graphql import GraphQLError, ValidationRule
from graphql.language import DocumentNode, FieldNode, OperationDefinitionNode
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)

from inventory.api.parsing import MAX_SKUS_PER_QUERY
from inventory.errors import InvalidRequest

MAX_DEPTH = 6
MAX_TOKENS = 2000
MAX_ALIASES = 20


class SkuBudget:
    """The SKUs one operation has asked for so far."""

    def __init__(self) -> None:
        self.spent = 0

    def spend(self, count: int) -> None:
        if self.spent + count > MAX_SKUS_PER_QUERY:
            raise InvalidRequest(f"at most {MAX_SKUS_PER_QUERY} SKUs a request")
        self.spent += count


# Per operation, not per context: over the socket one context serves every
# operation of the connection, and each must have a budget of its own.
_budget: ContextVar[SkuBudget | None] = ContextVar("sku_budget", default=None)


class SkuBudgetPerOperation(SchemaExtension):
    """Give each operation a fresh SkuBudget while it runs."""

    def on_operation(self) -> Iterator[None]:
        token = _budget.set(SkuBudget())
        try:
            yield
        finally:
            _budget.reset(token)


def spend_skus(count: int) -> None:
    """Count ``count`` SKUs against the running operation's budget."""
    budget = _budget.get()
    if budget is None:
        raise RuntimeError("no SKU budget: SkuBudgetPerOperation is not installed")
    budget.spend(count)


class IntrospectionOnlyWithDebug(NoSchemaIntrospectionCustomRule):
    """Refuse ``__schema`` and ``__type`` unless DEBUG is on.

    Read per request, not when the schema is built, so the setting can
    change without rebuilding it.
    """

    def enter_field(self, node: FieldNode, *args) -> None:
        if not settings.DEBUG:
            super().enter_field(node, *args)


class OneReservePerRequest(ValidationRule):
    """Refuse a document that holds twice (``a: reserve b: reserve``),
    through fragments too.

    Two holds in one request could succeed and fail apart, and would share
    one Idempotency-Key; one hold a request keeps all-or-nothing plain.
    Limitation: a document of two mutation operations with one hold each
    is refused as well, though only one of them would run.
    """

    def __init__(self, context) -> None:
        super().__init__(context)
        self.holds: list[FieldNode] = []

    def enter_field(self, node: FieldNode, *args) -> None:
        parent = self.context.get_parent_type()
        mutation = self.context.schema.mutation_type
        if parent is None or parent is not mutation:
            return
        if node.name.value != "reserve":
            return
        self.holds.append(node)
        if len(self.holds) == 2:
            self.report_error(
                GraphQLError("at most one reserve a request", nodes=self.holds)
            )


# Whether the running request named its operation. Strawberry fills in
# the first operation's name when none is given, so the validation rule
# below cannot tell from the document alone; ShopSchema sets this at each
# entry point, before the document is parsed.
operation_named: ContextVar[bool] = ContextVar("operation_named", default=True)


class OneOperationUnlessNamed(ValidationRule):
    """Refuse a document of several operations sent without
    ``operationName``, as the GraphQL spec asks.

    Strawberry would run the first of them, so a client could hold stock
    with a document it meant as a query.
    """

    def enter_document(self, node: DocumentNode, *args) -> None:
        operations = [
            definition
            for definition in node.definitions
            if isinstance(definition, OperationDefinitionNode)
        ]
        if len(operations) > 1 and not operation_named.get():
            self.report_error(
                GraphQLError(
                    "operationName must name one of the document's operations",
                    nodes=operations,
                )
            )


def extensions() -> list:
    """Return factories of the limiting extensions: strawberry builds a
    fresh one for each request."""
    return [
        SkuBudgetPerOperation,
        lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        lambda: AddValidationRules(
            [
                IntrospectionOnlyWithDebug,
                OneReservePerRequest,
                OneOperationUnlessNamed,
            ]
        ),
    ]
