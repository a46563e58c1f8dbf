"""The two kinds of API view: open to shoppers, and staff only."""

import logging

from django.core.exceptions import SuspiciousOperation
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed, ParseError
from rest_framework.permissions import AllowAny, IsAdminUser
from rest_framework.request import Request
from rest_framework.views import APIView

from inventory.models import actor_label

from .parsing import StrictJSONParser

logger = logging.getLogger(__name__)

# DRF's keys are 40 hex digits.
MAX_TOKEN_LENGTH = 40


class StrictTokenAuthentication(TokenAuthentication):
    """DRF token authentication that refuses a key no token can have.

    A NUL character in the key would otherwise reach PostgreSQL, which
    cannot compare text holding one, and answer 500 instead of 401.
    """

    def authenticate_credentials(self, key: str):
        if "\x00" in key or len(key) > MAX_TOKEN_LENGTH:
            raise AuthenticationFailed("Invalid token.")
        return super().authenticate_credentials(key)


class ApiView(APIView):
    """Answer Django's refusals of a request in the contract's body too.

    Django raises SuspiciousOperation for too many query parameters or
    form fields; left alone, it escapes DRF's handler and becomes a bare
    HTML 400 page.
    """

    parser_classes = [StrictJSONParser]

    def handle_exception(self, exc):
        if isinstance(exc, SuspiciousOperation):
            logger.warning("refused request: %s", exc)
            exc = ParseError(str(exc))
        return super().handle_exception(exc)


class CustomerView(ApiView):
    """A call any shopper may make, with no credentials.

    No authentication runs, so a stale token left in a browser can never
    turn a shopper's request into a 401.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]


class StaffView(ApiView):
    """A call for staff: DRF token authentication, ``is_staff`` required.

    No credentials answer 401 and a non-staff user 403, both in the
    contract's error body.
    """

    authentication_classes = [StrictTokenAuthentication]
    permission_classes = [IsAdminUser]


def actor_of(request: Request) -> str:
    """Return who the ledger names for a change made through the API."""
    return actor_label(request.user) or "api"
