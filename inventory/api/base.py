"""The two kinds of API view: open to shoppers, and staff only."""

from rest_framework.permissions import AllowAny, IsAdminUser
from rest_framework.request import Request
from rest_framework.views import APIView

from inventory.models import actor_label

from .parsing import StrictJSONParser


class CustomerView(APIView):
    """A call any shopper may make, with no credentials.

    No authentication runs, so a stale token left in a browser can never
    turn a shopper's request into a 401.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [StrictJSONParser]


class StaffView(APIView):
    """A call for staff: DRF token authentication, ``is_staff`` required.

    No credentials answer 401 and a non-staff user 403, both in the
    contract's error body.
    """

    permission_classes = [IsAdminUser]
    parser_classes = [StrictJSONParser]


def actor_of(request: Request) -> str:
    """Return who the ledger names for a change made through the API."""
    return actor_label(request.user) or "api"
