"""Typed refusals of the stock services, each with the contract's code.

Views map ``status`` and ``code`` straight onto the error body
``{"error": code, "detail": detail, **extra}``.
"""


class StockError(Exception):
    code = "error"
    status = 400

    def __init__(self, detail: str, **extra: object) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class InvalidRequest(StockError):
    code = "invalid"
    status = 400


class NotFound(StockError):
    code = "not_found"
    status = 404


class UnknownSku(NotFound):
    code = "unknown_sku"


class InsufficientStock(StockError):
    """Raised with ``lines=[{sku, requested, available}]``."""

    code = "insufficient_stock"
    status = 409


class VersionConflict(StockError):
    code = "version_conflict"
    status = 409


class ReservationExpired(StockError):
    code = "reservation_expired"
    status = 409


class ReservationUsed(StockError):
    code = "reservation_used"
    status = 409


class ReservationReleased(StockError):
    code = "reservation_released"
    status = 409


class IdempotencyMismatch(StockError):
    code = "idempotency_key_reused"
    status = 409


class OrderStateConflict(StockError):
    """The order's state does not allow what was asked."""

    code = "order_state_conflict"
    status = 409


class ReturnExceedsShipped(StockError):
    code = "return_exceeds_shipped"
    status = 409


class FulfilmentExceedsOpen(StockError):
    code = "fulfilment_exceeds_open"
    status = 409


class PurchaseOrderStateConflict(StockError):
    """The purchase order's status does not allow what was asked."""

    code = "purchase_order_state_conflict"
    status = 409


class ReceiptExceedsOutstanding(StockError):
    """More units received against a line than are still to come; raised
    with ``lines=[{line, sku, warehouse, requested, outstanding}]``."""

    code = "receipt_exceeds_outstanding"
    status = 409


class LinesRefused(StockError):
    """Raised with ``errors=[{line, sku, warehouse, detail}]``."""

    code = "lines_refused"
    status = 409


def as_uuid(value: object, *, error: str):
    """Return ``value`` as a UUID, or refuse it as not found: an id that
    cannot exist names nothing."""
    import uuid

    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise NotFound(f"no such id: {value!r}", error=error) from None


class TransactionRequired(RuntimeError):
    """A stock service was called outside ``transaction.atomic``."""
