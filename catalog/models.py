from decimal import Decimal

from django.db import models
from django.db.models import Q


class Condition(models.TextChoices):
    NEW = "new", "New"
    REFURBISHED = "refurbished", "Refurbished"


class Sku(models.Model):
    """A product the shop sells, in one condition.

    ``sequence`` is the number of the SKU's last stock event; the row is
    locked (inventory.locks) before any of its stock changes, which also
    makes it the per-SKU event counter.
    """

    code = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=300)
    product_id = models.CharField(max_length=64, db_index=True)
    condition = models.CharField(
        max_length=16, choices=Condition.choices, default=Condition.NEW
    )
    # The refurbished twin of a new SKU; null on the twin itself.
    twin = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="original",
    )
    category = models.CharField(max_length=64, db_index=True)
    sub_category = models.CharField(max_length=64, db_index=True)
    list_price = models.DecimalField(max_digits=12, decimal_places=2)
    low_stock_threshold = models.PositiveIntegerField(default=0)
    sequence = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(list_price__gte=Decimal("0")),
                name="sku_list_price_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(sequence__gte=0), name="sku_sequence_non_negative"
            ),
            models.UniqueConstraint(
                fields=["product_id", "name", "condition"],
                name="sku_unique_product_name_condition",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_refurbished(self) -> bool:
        return self.condition == Condition.REFURBISHED
