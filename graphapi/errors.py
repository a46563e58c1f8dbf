"""Give every GraphQL error the contract's code in ``extensions.code``.

A refusal by a service (``inventory.errors.StockError``) carries the code
and extra fields the REST body would (``insufficient_stock`` with its
``lines``); a malformed, unknown, too deep or too costly document is
``invalid``, as a malformed REST body is; anything unexpected is logged
and answered as ``internal_error`` without its details.
"""

import logging

from graphql import GraphQLError

from inventory.errors import StockError

logger = logging.getLogger(__name__)

INTERNAL_MESSAGE = "the shop could not answer this; it has been logged"


def refusal(code: str, detail: str, **extra: object) -> GraphQLError:
    """Return an error a resolver raises for a refusal of its own."""
    return GraphQLError(detail, extensions={"code": code, **extra})


def add_codes(errors: list[GraphQLError]) -> None:
    """Set ``extensions.code`` on each error, in place.

    In place because this runs in the schema's error hook, after the
    result holding these errors has been built.
    """
    for error in errors:
        original = error.original_error
        if isinstance(original, StockError):
            extra = dict(original.extra)
            code = extra.pop("error", original.code)
            error.message = original.detail
            error.extensions = {"code": code, **extra}
        elif error.extensions and "code" in error.extensions:
            continue
        elif error.path is None:
            # Raised before any field ran: the document or its variables
            # are malformed, unknown or over a limit.
            error.extensions = {"code": "invalid"}
        else:
            logger.error(
                "GraphQL resolver failed: %s",
                error.message,
                exc_info=original,
                extra={"path": error.path},
            )
            error.message = INTERNAL_MESSAGE
            error.extensions = {"code": "internal_error"}
