"""Shapes of the stock API's bodies.

Request serializers check JSON types and shapes only; every rule about
stock lives in the services. Response serializers describe, for the
OpenAPI schema, the dicts that selectors and services already build in
the contract's shape; ``reservation_body`` is the one answer shaped here.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import Condition
from inventory import availability
from inventory.models import Reservation
from inventory.services import ADJUSTMENT_REASONS

from .fields import (
    QuantityField,
    StrictCharField,
    StrictChoiceField,
    StrictIntegerField,
)

# Lines a single request may carry; a cart is far smaller, and a cap keeps
# one request from locking the whole catalog.
MAX_LINES = 100

STATUSES = [
    availability.IN_STOCK,
    availability.LOW_STOCK,
    availability.OUT_OF_STOCK,
    availability.RESTOCKING,
]


@extend_schema_field(
    {"type": "string", "enum": Condition.values}, component_name="SkuCondition"
)
class SkuConditionField(serializers.CharField):
    """A SKU's condition, named in the schema so that it is not confused
    with a return's condition, a different set under the same name."""


class LineSerializer(serializers.Serializer):
    sku = StrictCharField(max_length=64)
    quantity = QuantityField()


class ReservationRequestSerializer(serializers.Serializer):
    lines = serializers.ListField(
        child=LineSerializer(), min_length=1, max_length=MAX_LINES
    )
    ship_to = StrictCharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=32,
        help_text="A warehouse code (EAST, WEST, ...), any case.",
    )


class AdjustmentRequestSerializer(serializers.Serializer):
    sku = StrictCharField(max_length=64)
    warehouse = StrictCharField(max_length=32)
    delta = StrictIntegerField(
        required=False, help_text="Units to add (or, negative, take away)."
    )
    counted = StrictIntegerField(
        required=False, help_text="Units counted on the shelf: the new on_hand."
    )
    reason = StrictChoiceField(choices=sorted(ADJUSTMENT_REASONS))
    expected_version = StrictIntegerField(
        required=False,
        allow_null=True,
        help_text="The level's version as read; a stale one answers 409.",
    )


class FiguresSerializer(serializers.Serializer):
    """The stock figures every availability answer shares."""

    available = serializers.IntegerField()
    on_hand = serializers.IntegerField()
    reserved = serializers.IntegerField()
    committed = serializers.IntegerField()
    incoming = serializers.IntegerField()
    restock_eta = serializers.DateField(allow_null=True)


class WarehouseAvailabilitySerializer(FiguresSerializer):
    warehouse = serializers.CharField()


class AvailabilitySerializer(FiguresSerializer):
    sku = serializers.CharField()
    name = serializers.CharField()
    condition = SkuConditionField()
    status = serializers.ChoiceField(choices=STATUSES)
    sequence = serializers.IntegerField()
    warehouses = WarehouseAvailabilitySerializer(many=True)


class AvailabilityListSerializer(serializers.Serializer):
    results = AvailabilitySerializer(many=True)


class HoldLineSerializer(serializers.Serializer):
    sku = serializers.CharField()
    warehouse = serializers.CharField()
    quantity = serializers.IntegerField()


class ReservationSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=Reservation.Status.values)
    expires_at = serializers.DateTimeField()
    lines = HoldLineSerializer(many=True)


class LevelSerializer(FiguresSerializer):
    sku = serializers.CharField()
    warehouse = serializers.CharField()
    safety_stock = serializers.IntegerField()
    version = serializers.IntegerField()


def reservation_body(reservation: Reservation) -> dict:
    """Return the 201 body of a new hold, as plain JSON values.

    Plain values because the body is also kept as the first answer to an
    Idempotency-Key.
    """
    lines = [
        {
            "sku": line.level.sku.code,
            "warehouse": line.level.warehouse.code,
            "quantity": line.quantity,
        }
        for line in reservation.hold_lines
    ]
    # Written out rather than through ReservationSerializer, which
    # describes this body for the schema: every hold answers with it, and
    # building the serializer's fields costs more than the values.
    return {
        "id": str(reservation.pk),
        "status": str(reservation.status),
        "expires_at": _MOMENT.to_representation(reservation.expires_at),
        "lines": lines,
    }


_MOMENT = serializers.DateTimeField()
