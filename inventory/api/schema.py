"""Error bodies as the OpenAPI schema describes them.

Every refusal is ``{"error": CODE, "detail": TEXT, ...}``; the extra keys
a refusal may carry are declared here, so the schema stays true to what
``inventory.api.errors`` answers.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers

from .serializers import LevelSerializer


@extend_schema_field({"type": "object", "additionalProperties": {"type": "string"}})
class FieldErrorsField(serializers.DictField):
    pass


class ErrorSerializer(serializers.Serializer):
    error = serializers.CharField(help_text="A stable code, e.g. invalid.")
    detail = serializers.CharField(help_text="What went wrong, in words.")
    fields = FieldErrorsField(
        required=False,
        help_text="Each bad field of the body, as a dotted path, with why.",
    )
    skus = serializers.ListField(child=serializers.CharField(), required=False)


class ShortLineSerializer(serializers.Serializer):
    sku = serializers.CharField()
    requested = serializers.IntegerField(allow_null=True)
    available = serializers.IntegerField(required=False)
    on_hand = serializers.IntegerField(required=False)


class ConflictSerializer(ErrorSerializer):
    lines = ShortLineSerializer(
        many=True, required=False, help_text="Each line that could not be had."
    )
    current = LevelSerializer(
        required=False, help_text="The level's figures now (version_conflict)."
    )


def _response(serializer, text: str) -> OpenApiResponse:
    return OpenApiResponse(response=serializer, description=text)


INVALID = _response(ErrorSerializer, "invalid: a malformed or impossible request")
UNAUTHENTICATED = _response(
    ErrorSerializer, "not_authenticated: no valid token was sent"
)
FORBIDDEN = _response(ErrorSerializer, "forbidden: the user is not staff")
UNSUPPORTED = _response(ErrorSerializer, "unsupported_media_type: the body is not JSON")


def not_found(codes: str) -> OpenApiResponse:
    return _response(ErrorSerializer, f"{codes}: nothing has that id or code")


def conflict(codes: str) -> OpenApiResponse:
    return _response(ConflictSerializer, codes)


def staff_errors() -> dict:
    return {401: UNAUTHENTICATED, 403: FORBIDDEN}


NO_BODY = OpenApiResponse(description="Done; no body.")
