"""The order API: placing, cancelling, fulfilling and returning.

Each view parses, calls one order service and answers; refusals are the
services' typed errors, answered by ``inventory.api.errors``.
"""

import logging

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from inventory.api import parsing, schema
from inventory.api.base import CustomerView, StaffView, actor_of
from orders import services

from .serializers import (
    FulfilRequestSerializer,
    OrderRequestSerializer,
    OrderSerializer,
    ReturnRequestSerializer,
    ReturnSerializer,
    order_body,
    return_body,
)

logger = logging.getLogger(__name__)

ORDER_ID = OpenApiParameter(
    "order_id", {"type": "string", "format": "uuid"}, OpenApiParameter.PATH
)
UNKNOWN_ORDER = schema.not_found("unknown_order")


def _order_id(value: str):
    return parsing.path_uuid(value, error="unknown_order")


class OrderListView(CustomerView):
    @extend_schema(
        operation_id="order_place",
        request=OrderRequestSerializer,
        responses={
            201: OrderSerializer,
            400: schema.INVALID,
            404: schema.not_found("unknown_reservation"),
            409: schema.conflict("reservation_expired, reservation_used"),
            415: schema.UNSUPPORTED,
        },
        tags=["orders"],
    )
    def post(self, request: Request) -> Response:
        """Turn a live reservation into an order."""
        data = parsing.validated(OrderRequestSerializer, request.data)

        order = services.order_place(
            reservation_id=data["reservation"],
            email=data["email"],
            actor=actor_of(request),
        )
        return Response(order_body(order), status=status.HTTP_201_CREATED)


class OrderCancelView(CustomerView):
    @extend_schema(
        operation_id="order_cancel",
        parameters=[ORDER_ID],
        request=None,
        responses={
            200: OrderSerializer,
            404: UNKNOWN_ORDER,
            409: schema.conflict("order_state_conflict: shipped in full"),
        },
        tags=["orders"],
    )
    def post(self, request: Request, order_id: str) -> Response:
        """Cancel an order; what was not shipped goes back once."""
        pk = _order_id(order_id)

        order = services.order_cancel(order_id=pk, actor=actor_of(request))
        return Response(order_body(order))


class OrderFulfilView(StaffView):
    @extend_schema(
        operation_id="order_fulfil",
        parameters=[ORDER_ID],
        request=FulfilRequestSerializer,
        responses={
            200: OrderSerializer,
            400: schema.INVALID,
            **schema.staff_errors(),
            404: UNKNOWN_ORDER,
            409: schema.conflict("order_state_conflict, fulfilment_exceeds_open"),
            415: schema.UNSUPPORTED,
        },
        tags=["orders"],
    )
    def post(self, request: Request, order_id: str) -> Response:
        """Ship the order, or part of it: on_hand and committed fall
        together."""
        pk = _order_id(order_id)
        data = parsing.validated(FulfilRequestSerializer, request.data)
        lines = data.get("lines")

        order = services.order_fulfil(
            order_id=pk,
            lines=None if lines is None else [dict(line) for line in lines],
            actor=actor_of(request),
        )
        return Response(order_body(order))


class OrderReturnView(StaffView):
    @extend_schema(
        operation_id="order_return",
        parameters=[ORDER_ID],
        request=ReturnRequestSerializer,
        responses={
            201: ReturnSerializer,
            400: schema.INVALID,
            **schema.staff_errors(),
            404: UNKNOWN_ORDER,
            409: schema.conflict("return_exceeds_shipped"),
            415: schema.UNSUPPORTED,
        },
        examples=[
            OpenApiExample(
                "One chair back, scuffed",
                value={
                    "lines": [
                        {
                            "sku": "FUR-CH-10000454",
                            "quantity": 1,
                            "condition": "refurbished",
                        }
                    ]
                },
                request_only=True,
            )
        ],
        tags=["orders"],
    )
    def post(self, request: Request, order_id: str) -> Response:
        """Take shipped units back: resellable to the shelf, refurbished
        to the SKU's twin, damaged to neither."""
        pk = _order_id(order_id)
        data = parsing.validated(ReturnRequestSerializer, request.data)

        ret = services.order_return(
            order_id=pk,
            lines=[dict(line) for line in data["lines"]],
            actor=actor_of(request),
        )
        return Response(return_body(ret), status=status.HTTP_201_CREATED)
