"""Map every refusal onto the contract's error body."""

import logging

from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from inventory.errors import StockError

logger = logging.getLogger(__name__)


def error_body(code: str, detail: str, **extra: object) -> dict:
    return {"error": code, "detail": detail, **extra}


def refusal(exc: StockError) -> tuple[int, dict]:
    """Return a service's refusal as (HTTP status, contract error body)."""
    extra = dict(exc.extra)
    code = extra.pop("error", exc.code)
    return exc.status, error_body(code, exc.detail, **extra)


def error_response(exc: StockError) -> Response:
    status_code, body = refusal(exc)
    return Response(body, status=status_code)


def exception_handler(exc, context):
    """Answer every API error as ``{"error": CODE, "detail": TEXT}``."""
    if isinstance(exc, StockError):
        return error_response(exc)
    if isinstance(exc, Http404):
        return Response(
            error_body("not_found", "not found"), status=status.HTTP_404_NOT_FOUND
        )

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = {
        exceptions.NotAuthenticated: "not_authenticated",
        exceptions.AuthenticationFailed: "not_authenticated",
        exceptions.PermissionDenied: "forbidden",
        exceptions.MethodNotAllowed: "method_not_allowed",
        exceptions.UnsupportedMediaType: "unsupported_media_type",
        exceptions.NotAcceptable: "not_acceptable",
        exceptions.Throttled: "throttled",
    }.get(type(exc), "invalid")
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if isinstance(exc, exceptions.ValidationError) or isinstance(
        exc, exceptions.ParseError
    ):
        code = "invalid"
    response.data = error_body(code, str(detail))
    return response
