"""Serializer fields that take JSON values as they are, never coerced.

DRF's own fields are forgiving: ``CharField`` turns ``12`` into ``"12"``,
``IntegerField`` turns ``"1"`` and ``1.0`` into ``1``, ``UUIDField`` takes an
integer. The contract wants such bodies refused, so these fields check the
JSON type first and leave ranges to the services that own them.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from inventory.errors import InvalidRequest
from inventory.services import MAX_QUANTITY, check_quantity


class StrictStringMixin:
    """Refuse anything but a JSON string before the field's own checks."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictCharField(StrictStringMixin, serializers.CharField):
    default_error_messages = {"invalid": "Must be a string."}


class StrictEmailField(StrictStringMixin, serializers.EmailField):
    pass


class StrictUUIDField(StrictStringMixin, serializers.UUIDField):
    pass


class StrictChoiceField(StrictStringMixin, serializers.ChoiceField):
    default_error_messages = {"invalid": "Must be a string."}


@extend_schema_field(OpenApiTypes.INT)
class StrictIntegerField(serializers.Field):
    """A JSON integer (not a boolean, float or string); ranges are the
    service's to check."""

    default_error_messages = {"invalid": "Must be a whole number."}

    def to_internal_value(self, data) -> int:
        if type(data) is not int:
            self.fail("invalid")
        return data

    def to_representation(self, value) -> int:
        return value


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_QUANTITY})
class QuantityField(serializers.Field):
    """A unit count, checked by ``services.check_quantity``."""

    def to_internal_value(self, data) -> int:
        try:
            return check_quantity(data)
        except InvalidRequest as exc:
            raise serializers.ValidationError(exc.detail) from None

    def to_representation(self, value) -> int:
        return value
