"""The stock API: availability, holds and staff adjustments.

Each view parses, calls one service or selector and answers; refusals are
the services' typed errors, answered by ``inventory.api.errors``.
"""

import logging

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from inventory import selectors, services

from . import parsing, quickpost, schema
from .base import CustomerView, StaffView, actor_of
from .errors import error_body
from .holding import hold_answer
from .serializers import (
    AdjustmentRequestSerializer,
    AvailabilityListSerializer,
    AvailabilitySerializer,
    LevelSerializer,
    ReservationRequestSerializer,
    ReservationSerializer,
)

logger = logging.getLogger(__name__)

SHIP_TO = OpenApiParameter(
    "ship_to",
    str,
    description="The shopper's region (EAST, WEST, ...), any case: that "
    "warehouse is listed first.",
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    location=OpenApiParameter.HEADER,
    description="Send the same key with a retry to get the first answer "
    "instead of a second hold.",
)
RESERVATION_ID = OpenApiParameter(
    "reservation_id", {"type": "string", "format": "uuid"}, OpenApiParameter.PATH
)


def _home(request: Request):
    ship_to = parsing.query_text(request.query_params, "ship_to")
    return services.warehouse_for_ship_to(ship_to)


class SkuAvailabilityView(CustomerView):
    @extend_schema(
        operation_id="sku_availability",
        parameters=[SHIP_TO],
        responses={
            200: AvailabilitySerializer,
            400: schema.INVALID,
            404: schema.not_found("unknown_sku"),
        },
        tags=["availability"],
    )
    def get(self, request: Request, sku: str) -> Response:
        """Return one SKU's availability, summed and per warehouse."""
        code = parsing.path_sku(sku)
        home = _home(request)

        return Response(selectors.availability_of(code, home=home))


class AvailabilityListView(CustomerView):
    @extend_schema(
        operation_id="availability_list",
        parameters=[
            OpenApiParameter(
                "skus",
                str,
                required=True,
                description="Comma-separated SKU codes, at most 100. Unknown "
                "codes are left out of the results.",
            ),
            SHIP_TO,
        ],
        responses={200: AvailabilityListSerializer, 400: schema.INVALID},
        tags=["availability"],
    )
    def get(self, request: Request) -> Response:
        """Return the availability of several SKUs: the polling fallback."""
        codes = parsing.query_sku_codes(request.query_params)
        home = _home(request)

        results = selectors.availability_for(codes, home=home)
        return Response({"results": results})


class ReservationListView(CustomerView):
    @extend_schema(
        operation_id="reservation_create",
        parameters=[IDEMPOTENCY_KEY],
        request=ReservationRequestSerializer,
        responses={
            201: ReservationSerializer,
            400: schema.INVALID,
            409: schema.conflict("insufficient_stock, idempotency_key_reused"),
            415: schema.UNSUPPORTED,
        },
        examples=[
            OpenApiExample(
                "Two units of a chair, shipped east",
                value={
                    "lines": [{"sku": "FUR-CH-10000454", "quantity": 2}],
                    "ship_to": "EAST",
                },
                request_only=True,
            )
        ],
        tags=["reservations"],
    )
    def post(self, request: Request) -> Response:
        """Hold every line or none; a retry with the same Idempotency-Key
        answers as the first request did and holds nothing more."""
        data = parsing.validated(ReservationRequestSerializer, request.data)
        code, body = hold_answer(
            data,
            body=request.data,
            key=request.headers.get("Idempotency-Key"),
            actor=actor_of(request),
        )
        return Response(body, status=code)

    @classmethod
    def as_view(cls, **initkwargs):
        # Plain, well-formed holds skip DRF (see quickpost); the rest, and
        # the schema, still see this view.
        return quickpost.plain_holds_first(super().as_view(**initkwargs))


class ReservationDetailView(CustomerView):
    @extend_schema(
        operation_id="reservation_release",
        parameters=[RESERVATION_ID],
        responses={
            204: schema.NO_BODY,
            404: schema.not_found("unknown_reservation"),
            409: schema.conflict("reservation_used"),
        },
        tags=["reservations"],
    )
    def delete(self, request: Request, reservation_id: str) -> Response:
        """Release a hold; releasing it again, or after it lapsed, does
        nothing and still answers 204."""
        pk = parsing.path_uuid(reservation_id, error="unknown_reservation")

        services.reservation_release(reservation_id=pk, actor=actor_of(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class AdjustmentListView(StaffView):
    @extend_schema(
        operation_id="stock_adjust",
        request=AdjustmentRequestSerializer,
        responses={
            201: LevelSerializer,
            400: schema.INVALID,
            **schema.staff_errors(),
            404: schema.not_found("unknown_sku"),
            409: schema.conflict(
                "version_conflict (with current), insufficient_stock when "
                "on_hand would fall below zero"
            ),
            415: schema.UNSUPPORTED,
        },
        examples=[
            OpenApiExample(
                "A shelf count",
                value={
                    "sku": "FUR-CH-10000454",
                    "warehouse": "EAST",
                    "counted": 12,
                    "reason": "count",
                    "expected_version": 3,
                },
                request_only=True,
            )
        ],
        tags=["stock"],
    )
    def post(self, request: Request) -> Response:
        """Change a level's on-hand units by ``delta`` or to ``counted``."""
        data = parsing.validated(AdjustmentRequestSerializer, request.data)

        level = services.stock_adjust(
            sku_code=data["sku"],
            warehouse_code=data["warehouse"],
            reason=data["reason"],
            actor=actor_of(request),
            delta=data.get("delta"),
            counted=data.get("counted"),
            expected_version=data.get("expected_version"),
        )
        return Response(services.level_figures(level), status=status.HTTP_201_CREATED)


@csrf_exempt
def api_not_found(request, *args, **kwargs) -> JsonResponse:
    """Answer a path under /api/v1/ that names no call in the contract's
    error body rather than the storefront's HTML 404 page."""
    body = error_body("not_found", f"no API call at {request.path}")
    return JsonResponse(body, status=404)
