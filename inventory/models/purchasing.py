"""Purchase orders and the restock suggestions that lead to them."""

from django.db import models
from django.db.models import F, Q

from .stock import StockLevel


class PurchaseOrder(models.Model):
    """Units ordered from a supplier, one line per stock level.

    A draft changes no figure. Opening it puts each line's units on the
    level's ``incoming``; receipts move them to ``on_hand``; closing it
    takes the units never delivered off ``incoming``. Change the status
    and the lines' counts only through inventory.purchasing.
    """

    class Status(models.TextChoices):
        DRAFT = "draft"
        OPEN = "open"
        CLOSED = "closed"
        CANCELLED = "cancelled"

    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    vendor = models.ForeignKey(
        "integrations.Vendor",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="purchase_orders",
    )
    # A supplier with no vendor account in the shop is named in words.
    supplier = models.CharField(max_length=200, blank=True)
    reference = models.CharField(
        max_length=100, blank=True, help_text="The supplier's order reference."
    )
    note = models.TextField(blank=True)
    created_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        permissions = [
            (
                "manage_purchase_orders",
                "Can create, open, close and cancel purchase orders",
            ),
        ]
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"PO-{self.pk:05d}" if self.pk else "PO (new)"


class PurchaseOrderLine(models.Model):
    """Units of one SKU ordered for one warehouse.

    Of ``quantity``, ``received`` arrived and ``cancelled`` were given up
    when the order closed; while the order is open the rest is counted in
    the level's ``incoming``.
    """

    po = models.ForeignKey(
        PurchaseOrder, on_delete=models.CASCADE, related_name="lines"
    )
    level = models.ForeignKey(
        StockLevel, on_delete=models.PROTECT, related_name="po_lines"
    )
    quantity = models.PositiveIntegerField()
    received = models.PositiveIntegerField(default=0)
    cancelled = models.PositiveIntegerField(default=0)
    expected_on = models.DateField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["po", "level"], name="po_line_unique"),
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="po_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(received__gte=0) & Q(cancelled__gte=0),
                name="po_line_counts_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(received__lte=F("quantity") - F("cancelled")),
                name="po_line_received_within_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.level}"

    @property
    def outstanding(self) -> int:
        return self.quantity - self.received - self.cancelled


class RestockSuggestion(models.Model):
    """How much one level should reorder, as last computed.

    Rows are replaced whole by ``restock.suggestions_refresh``; only levels
    that should reorder have one. The figures are what the computation
    saw, kept so the list can be read without recomputing it.
    """

    level = models.OneToOneField(
        StockLevel, on_delete=models.CASCADE, related_name="restock_suggestion"
    )
    demand = models.PositiveIntegerField(
        "ordered", help_text="Units ordered in the window, less cancelled."
    )
    demand_days = models.PositiveIntegerField("window (days)")
    daily_demand = models.DecimalField("a day", max_digits=12, decimal_places=2)
    lead_time_days = models.PositiveIntegerField("lead (days)")
    review_days = models.PositiveIntegerField("review (days)")
    safety_stock = models.PositiveIntegerField("safety")
    position = models.IntegerField(
        help_text="On hand less reserved and committed, plus incoming."
    )
    reorder_point = models.PositiveIntegerField("reorder at")
    order_up_to = models.PositiveIntegerField("up to")
    quantity = models.PositiveIntegerField("to order")
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["-quantity", "level_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="restock_suggestion_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"reorder {self.quantity} for level {self.level_id}"
