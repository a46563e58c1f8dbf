"""The forecast API's answer, as the OpenAPI schema describes it."""

from rest_framework import serializers


class WarehouseForecastSerializer(serializers.Serializer):
    warehouse = serializers.CharField()
    daily_demand = serializers.FloatField(
        help_text="Expected units a day, the mean over the forecast horizon."
    )
    days_of_cover = serializers.FloatField(
        allow_null=True,
        help_text="Days the unheld, unpromised stock lasts at daily_demand; "
        "null when nothing is expected to sell.",
    )
    stockout_date = serializers.DateField(
        allow_null=True,
        help_text="First day the forecast demand exceeds that stock; null "
        "when not expected within the horizon.",
    )
    reorder_point = serializers.IntegerField()
    order_up_to = serializers.IntegerField()


class SkuForecastSerializer(serializers.Serializer):
    sku = serializers.CharField()
    warehouses = WarehouseForecastSerializer(many=True)
