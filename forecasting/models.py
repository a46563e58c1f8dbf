from django.db import models
from django.db.models import F, Q


class DemandLine(models.Model):
    """One order line of an imported file: units of a SKU bought from a
    warehouse on a day. The shop's own orders are read from orders."""

    sku = models.ForeignKey(
        "catalog.Sku", on_delete=models.CASCADE, related_name="demand_lines"
    )
    warehouse = models.ForeignKey(
        "inventory.Warehouse", on_delete=models.CASCADE, related_name="demand_lines"
    )
    day = models.DateField()
    quantity = models.PositiveIntegerField()
    # The line's identity across imports (forecasting.recording): the
    # same line imported again, from this file or another, is kept once.
    key = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["day", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="demand_line_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku_id} on {self.day}"


class LevelForecast(models.Model):
    """The forecast of one stock level, rewritten by each refresh.

    ``daily`` holds the expected units of each day from ``starts_on`` on;
    days of cover and the stock-out date are worked out from it and the
    level's figures when they are read, so they follow the stock.
    """

    level = models.OneToOneField(
        "inventory.StockLevel", on_delete=models.CASCADE, related_name="forecast"
    )
    starts_on = models.DateField()
    daily = models.JSONField(default=list)
    daily_demand = models.DecimalField(max_digits=12, decimal_places=3)
    reorder_point = models.IntegerField()
    order_up_to = models.IntegerField()
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["level_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reorder_point__gte=0)
                & Q(order_up_to__gte=F("reorder_point")),
                name="level_forecast_levels_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"forecast of level {self.level_id}"
