"""Shapes of the order API's bodies.

Request serializers check JSON types and shapes; the order services own
every rule. ``order_body`` and ``return_body`` read the rows a service
just wrote and shape the answer.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from inventory.api.fields import (
    QuantityField,
    StrictCharField,
    StrictChoiceField,
    StrictEmailField,
    StrictUUIDField,
)
from inventory.api.serializers import MAX_LINES, LineSerializer
from orders.models import Order, Return


@extend_schema_field(
    {"type": "string", "enum": Return.Condition.values},
    component_name="ReturnCondition",
)
class ReturnConditionField(StrictChoiceField):
    """How a returned unit came back, named in the schema apart from a
    SKU's condition."""

    def __init__(self, **kwargs) -> None:
        super().__init__(choices=Return.Condition.values, **kwargs)


class OrderRequestSerializer(serializers.Serializer):
    reservation = StrictUUIDField(help_text="The id of a live reservation.")
    email = StrictEmailField(max_length=254)


class FulfilRequestSerializer(serializers.Serializer):
    lines = serializers.ListField(
        child=LineSerializer(),
        required=False,
        min_length=1,
        max_length=MAX_LINES,
        help_text="Units to ship now; leave out to ship everything open.",
    )


class ReturnLineRequestSerializer(serializers.Serializer):
    sku = StrictCharField(max_length=64)
    quantity = QuantityField()
    condition = ReturnConditionField()


class ReturnRequestSerializer(serializers.Serializer):
    lines = serializers.ListField(
        child=ReturnLineRequestSerializer(), min_length=1, max_length=MAX_LINES
    )


class OrderLineSerializer(serializers.Serializer):
    sku = serializers.CharField()
    warehouse = serializers.CharField()
    quantity = serializers.IntegerField()
    shipped = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    returned = serializers.IntegerField()


class OrderSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=Order.Status.values)
    lines = OrderLineSerializer(many=True)


class ReturnLineSerializer(serializers.Serializer):
    sku = serializers.CharField()
    warehouse = serializers.CharField()
    quantity = serializers.IntegerField()
    condition = ReturnConditionField()


class ReturnSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    order = serializers.UUIDField()
    lines = ReturnLineSerializer(many=True)


def order_body(order: Order) -> dict:
    """Return an order and its lines as the API answers them."""
    lines = order.lines.select_related("level__sku", "level__warehouse")
    body = {
        "id": order.pk,
        "status": order.status,
        "lines": [
            {
                "sku": line.level.sku.code,
                "warehouse": line.level.warehouse.code,
                "quantity": line.quantity,
                "shipped": line.shipped,
                "cancelled": line.cancelled,
                "returned": line.returned,
            }
            for line in lines
        ],
    }
    return OrderSerializer(body).data


def return_body(ret: Return) -> dict:
    """Return a return and its lines as the API answers them."""
    lines = ret.lines.select_related(
        "order_line__level__sku", "order_line__level__warehouse"
    )
    body = {
        "id": ret.pk,
        "order": ret.order_id,
        "lines": [
            {
                "sku": line.order_line.level.sku.code,
                "warehouse": line.order_line.level.warehouse.code,
                "quantity": line.quantity,
                "condition": line.condition,
            }
            for line in lines
        ],
    }
    return ReturnSerializer(body).data
