import uuid

from django.db import models
from django.db.models import F, Q


class Order(models.Model):
    class Status(models.TextChoices):
        PLACED = "placed"
        PARTIALLY_FULFILLED = "partially_fulfilled"
        FULFILLED = "fulfilled"
        CANCELLED = "cancelled"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reservation = models.OneToOneField(
        "inventory.Reservation", on_delete=models.PROTECT, related_name="order"
    )
    email = models.EmailField()
    status = models.CharField(
        max_length=24, choices=Status.choices, default=Status.PLACED
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        # Clerks ship; cancelling and taking returns is a manager's
        # (orders.change_order). See inventory.roles.
        permissions = [("fulfil_order", "Can ship orders")]

    def __str__(self) -> str:
        return str(self.id)


class OrderLine(models.Model):
    """Units of one SKU ordered from one warehouse.

    Of ``quantity``, ``shipped`` left the warehouse and ``cancelled`` were
    given back; the rest is the level's commitment. ``returned`` counts
    shipped units that came back, in any condition.
    """

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    level = models.ForeignKey(
        "inventory.StockLevel", on_delete=models.PROTECT, related_name="order_lines"
    )
    quantity = models.PositiveIntegerField()
    shipped = models.PositiveIntegerField(default=0)
    cancelled = models.PositiveIntegerField(default=0)
    returned = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="order_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(shipped__lte=F("quantity") - F("cancelled")),
                name="order_line_shipped_within_quantity",
            ),
            models.CheckConstraint(
                condition=Q(returned__lte=F("shipped")),
                name="order_line_returned_within_shipped",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x level {self.level_id}"

    @property
    def open_quantity(self) -> int:
        return self.quantity - self.shipped - self.cancelled


class Return(models.Model):
    class Condition(models.TextChoices):
        RESELLABLE = "resellable"
        REFURBISHED = "refurbished"
        DAMAGED = "damaged"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="returns")
    actor = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"return {self.pk}"


class ReturnLine(models.Model):
    ret = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(
        OrderLine, on_delete=models.PROTECT, related_name="return_lines"
    )
    quantity = models.PositiveIntegerField()
    condition = models.CharField(max_length=16, choices=Return.Condition.choices)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.quantity} {self.condition}"
