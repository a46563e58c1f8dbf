import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone


class Warehouse(models.Model):
    """A stock location; one per Region of an imported file."""

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class StockLevel(models.Model):
    """The figures of one SKU in one warehouse.

    Change them only through inventory.services: every change there is
    made under a row lock, guarded by a conditional UPDATE, and recorded in
    the ledger and the event stream in the same transaction.
    """

    sku = models.ForeignKey(
        "catalog.Sku", on_delete=models.PROTECT, related_name="levels"
    )
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="levels"
    )
    on_hand = models.IntegerField(default=0)
    reserved = models.IntegerField(default=0)
    committed = models.IntegerField(default=0)
    safety_stock = models.IntegerField(default=0)
    incoming = models.IntegerField(default=0)
    restock_eta = models.DateField(null=True, blank=True)
    # When the count behind on_hand was taken (a vendor's snapshot): an
    # older count arriving later must not undo a newer one.
    counted_at = models.DateTimeField(null=True, blank=True)
    version = models.BigIntegerField(default=1)
    # The hash of this level's newest ledger row (inventory.ledger), moved
    # by the same UPDATE that changes the figures.
    ledger_head = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["sku_id", "warehouse_id"]
        # What staff may do to stock in the admin (inventory.roles).
        permissions = [
            ("receive_stock", "Can receive goods"),
            ("count_stock", "Can record a cycle count"),
            ("adjust_stock", "Can adjust stock by a delta"),
            ("write_off_stock", "Can write off damaged units"),
            ("transfer_stock", "Can transfer stock between warehouses"),
            ("set_stock_levels", "Can set safety stock and low-stock thresholds"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["sku", "warehouse"], name="stock_level_unique"
            ),
            models.CheckConstraint(
                condition=Q(on_hand__gte=0), name="stock_on_hand_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(reserved__gte=0), name="stock_reserved_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(committed__gte=0),
                name="stock_committed_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(safety_stock__gte=0),
                name="stock_safety_stock_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(incoming__gte=0), name="stock_incoming_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1), name="stock_version_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku.code}@{self.warehouse.code}"

    @property
    def available(self) -> int:
        from ..availability import level_available

        return level_available(self)


class Reservation(models.Model):
    """A hold on stock for a cart or checkout, alive until ``expires_at``.

    A hold past its expiry is dead whatever its status says: its units are
    freed by the next stock change on the same SKU or by the sweep job.
    """

    class Status(models.TextChoices):
        ACTIVE = "active"
        USED = "used"
        RELEASED = "released"
        EXPIRED = "expired"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    ship_to = models.ForeignKey(
        Warehouse, null=True, blank=True, on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    actor = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "expires_at"])]

    def __str__(self) -> str:
        return str(self.id)


class ReservationLine(models.Model):
    """Units of one SKU held in one warehouse.

    ``active`` is true while the units are counted in the level's
    ``reserved``; it turns false exactly once, when they are released,
    expire or become an order's commitment.
    """

    reservation = models.ForeignKey(
        Reservation, on_delete=models.CASCADE, related_name="lines"
    )
    level = models.ForeignKey(
        StockLevel, on_delete=models.PROTECT, related_name="hold_lines"
    )
    quantity = models.PositiveIntegerField()
    active = models.BooleanField(default=True)
    # A copy of the hold's expiry, so that lapsed lines on a level are found
    # from one index while that level is locked.
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["level", "expires_at"],
                condition=Q(active=True),
                name="hold_line_active_level",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="hold_line_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x level {self.level_id}"


class IdempotencyRecord(models.Model):
    """The first answer given to a request sent with an Idempotency-Key."""

    key = models.CharField(max_length=255, unique=True)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return self.key


class Reason(models.TextChoices):
    """Why a stock figure changed; the ledger's and the events' reason."""

    IMPORT = "import"
    RESERVATION = "reservation"
    RELEASE = "release"
    EXPIRY = "expiry"
    SALE = "sale"
    CANCEL = "cancel"
    FULFILMENT = "fulfilment"
    RETURN = "return"
    RECEIPT = "receipt"
    COUNT = "count"
    ADJUSTMENT = "adjustment"
    DAMAGE = "damage"
    LOSS = "loss"
    FOUND = "found"
    RESTOCK = "restock"
    INCOMING = "incoming"
    TRANSFER = "transfer"
    SAFETY_STOCK = "safety_stock"
    THRESHOLD = "threshold"
    # A purchase order's units: announced when it opens, received against
    # it, and given up when it closes short.
    PO_OPEN = "po_open", "Purchase order opened"
    PO_RECEIPT = "po_receipt", "Received against a purchase order"
    PO_CLOSE = "po_close", "Purchase order closed short"


class LedgerEntry(models.Model):
    """One append-only record of a change to one stock level.

    Rows are made by ``inventory.ledger.entry_new`` only: each is sealed
    by ``hash`` over its content and ``prev_hash``, the hash of the row
    before it on the same level, so an edit or a removal shows.
    """

    level = models.ForeignKey(
        StockLevel, on_delete=models.PROTECT, related_name="ledger"
    )
    reason = models.CharField(max_length=32, choices=Reason.choices)
    on_hand_delta = models.IntegerField(default=0)
    reserved_delta = models.IntegerField(default=0)
    committed_delta = models.IntegerField(default=0)
    incoming_delta = models.IntegerField(default=0)
    safety_stock_delta = models.IntegerField(default=0)
    actor = models.CharField(max_length=150, blank=True)
    reservation = models.ForeignKey(
        Reservation, null=True, blank=True, on_delete=models.PROTECT
    )
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT
    )
    note = models.CharField(max_length=300, blank=True)
    # Set in Python, not by auto_now_add, because the hash covers it.
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    prev_hash = models.CharField(max_length=64, blank=True, default="")
    hash = models.CharField(max_length=64, default="")

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "ledger entries"

    def __str__(self) -> str:
        return f"#{self.pk} {self.reason} on level {self.level_id}"


class StockEvent(models.Model):
    """An ``inventory_updated`` message, written with the change it tells of.

    Rows are the outbox twice over: ``published_at`` stays null until a
    publisher has handed the event to the sockets, ``dispatched_at`` until
    the outbound webhooks have queued a delivery of it for each endpoint.
    ``kind`` says what the change did to the SKU's status, for endpoints
    that want only some changes.
    """

    class Kind(models.TextChoices):
        INVENTORY_UPDATED = "inventory_updated"
        LOW_STOCK = "low_stock"
        OUT_OF_STOCK = "out_of_stock"
        BACK_IN_STOCK = "back_in_stock"

    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # No index of its own: stock_event_unique_sequence (sku, sequence)
    # serves every lookup by SKU, and each hold writes an event, so a second
    # index would be paid for on the hot path for nothing.
    sku = models.ForeignKey(
        "catalog.Sku", on_delete=models.PROTECT, related_name="events", db_index=False
    )
    sequence = models.BigIntegerField()
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    published_at = models.DateTimeField(null=True, blank=True)
    kind = models.CharField(
        max_length=20, choices=Kind.choices, default=Kind.INVENTORY_UPDATED
    )
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["sku_id", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["sku", "sequence"], name="stock_event_unique_sequence"
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(published_at__isnull=True),
                name="stock_event_unpublished",
            ),
            models.Index(
                fields=["sku", "sequence"],
                condition=Q(dispatched_at__isnull=True),
                name="stock_event_undispatched",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id}#{self.sequence}"


def actor_label(user: object) -> str:
    """Return the text kept in the ledger for whoever made a change."""
    if user is None:
        return ""
    if isinstance(user, str):
        return user[:150]
    if getattr(user, "is_authenticated", False):
        return user.get_username()[:150]
    return ""
