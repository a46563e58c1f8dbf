"""POST /api/v1/reservations for the plain case, without DRF's machinery.

Every hold on a hot SKU pays for the request's Python on one of two
cores; DRF's request wrapping, negotiation, serializer fields and renderer
cost about as much as the hold itself. A body that is plainly well formed
(JSON, small, only the documented keys, values of the right types and in
range, asking for no other format than plain JSON) is answered here
through the same ``hold_answer``; anything else, however slightly off,
goes to the DRF view, which parses it again from the start and answers
exactly as it always has. So this path only ever takes bodies the
serializer would take as they are, and it can only be faster, never
different; a test sends the same bodies both ways and compares.
"""

import json
from functools import wraps

from django.http import HttpResponse, UnreadablePostError
from rest_framework.exceptions import ParseError

from inventory.errors import StockError
from inventory.services import MAX_QUANTITY

from . import parsing
from .errors import refusal
from .holding import hold_answer
from .serializers import MAX_LINES

# A plain hold body is well under this; a larger one takes the DRF path.
MAX_PLAIN_BYTES = 8192
# As the serializer's StrictCharFields allow.
MAX_SKU_LENGTH = 64
MAX_SHIP_TO_LENGTH = 32
# Who the ledger names: no authentication runs on shoppers' calls.
ACTOR = "api"
# Accept headers DRF's negotiation answers with plain JSON; any other (an
# HTML-only client gets 406, ``indent=4`` a pretty body) goes to DRF.
PLAIN_ACCEPTS = frozenset({"", "*/*", "application/json"})
# What DRF's view adds to every answer of this path.
HEADERS = {"Allow": "POST, OPTIONS"}


def plain_holds_first(drf_view):
    """Wrap the DRF view's callable so plain holds skip it.

    ``wraps`` keeps the view's ``cls``, ``initkwargs`` and ``csrf_exempt``,
    so URL resolution, CSRF and the OpenAPI schema see the DRF view.
    """

    @wraps(drf_view)
    def view(request, *args, **kwargs):
        data = _plain_hold(request)
        if data is None:
            return drf_view(request, *args, **kwargs)
        try:
            status, body = hold_answer(
                data,
                body=data,
                key=request.headers.get("Idempotency-Key"),
                actor=ACTOR,
            )
        except StockError as exc:
            status, body = refusal(exc)
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        return HttpResponse(
            text, status=status, content_type="application/json", headers=HEADERS
        )

    return view


def _plain_hold(request) -> dict | None:
    """Return the request's body if it is a plainly well-formed hold, as
    the serializer would validate it; None sends it to the DRF view."""
    if request.method != "POST" or request.content_type != "application/json":
        return None
    if request.content_params:
        return None
    # ``?format=`` picks DRF's renderer (an unknown one answers 404).
    if request.META.get("QUERY_STRING"):
        return None
    if request.headers.get("Accept", "").strip() not in PLAIN_ACCEPTS:
        return None
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if not 0 < length <= MAX_PLAIN_BYTES:
        return None
    # request.body keeps the bytes, so the DRF view can read them again.
    try:
        data = parsing.strict_object(request.body)
    except (ParseError, UnreadablePostError):
        return None
    return data if _plain_shape(data) else None


def _plain_shape(data: dict) -> bool:
    if not data.keys() <= {"lines", "ship_to"}:
        return False
    lines = data.get("lines")
    if type(lines) is not list or not 1 <= len(lines) <= MAX_LINES:
        return False
    for line in lines:
        if type(line) is not dict or line.keys() != {"sku", "quantity"}:
            return False
        if not _plain_text(line["sku"], MAX_SKU_LENGTH) or not line["sku"]:
            return False
        quantity = line["quantity"]
        if type(quantity) is not int or not 1 <= quantity <= MAX_QUANTITY:
            return False
    ship_to = data.get("ship_to")
    return ship_to is None or _plain_text(ship_to, MAX_SHIP_TO_LENGTH)


def _plain_text(value: object, max_length: int) -> bool:
    # DRF's CharField trims surrounding whitespace: a value it would change
    # is not plain.
    return type(value) is str and len(value) <= max_length and value == value.strip()
