"""The two kinds of API view: open to shoppers, and staff only."""

import logging

from django.core.exceptions import SuspiciousOperation
from rest_framework.exceptions import ParseError
from rest_framework.permissions import AllowAny, IsAdminUser
from rest_framework.request import Request
from rest_framework.views import APIView

from inventory.models import actor_label

from .authentication import StrictTokenAuthentication
from .parsing import StrictJSONParser

logger = logging.getLogger(__name__)


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
