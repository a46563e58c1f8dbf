"""The staff forecast API: a SKU's demand forecast per warehouse."""

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from forecasting import selectors
from inventory.api import parsing, schema
from inventory.api.base import StaffView
from inventory.errors import UnknownSku

from .serializers import SkuForecastSerializer


class SkuForecastView(StaffView):
    @extend_schema(
        operation_id="sku_forecast",
        responses={
            200: SkuForecastSerializer,
            **schema.staff_errors(),
            404: schema.not_found("unknown_sku"),
        },
        tags=["forecasts"],
    )
    def get(self, request: Request, sku: str) -> Response:
        """Return a SKU's forecast per warehouse: demand, days of cover,
        expected stock-out and the restock levels."""
        code = parsing.path_sku(sku)

        found = selectors.sku_forecast(code)
        if found is None:
            raise UnknownSku(f"unknown SKU {code!r}")
        return Response(found)
