"""``POST /graphql/``: the GraphQL endpoint over HTTP."""

import io
import json
import logging

from cross_web import HTTPException
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from rest_framework.exceptions import ParseError
from strawberry.django.views import AsyncGraphQLView

from inventory.api.parsing import StrictJSONParser

from .context import GraphContext

logger = logging.getLogger(__name__)

CODES = {404: "not_found", 405: "method_not_allowed"}


class GraphView(AsyncGraphQLView):
    """Strawberry's view, with GraphiQL only under DEBUG and every refusal
    of the request itself in GraphQL's error shape with a code, instead
    of strawberry's plain text."""

    def decode_json(self, data: str | bytes) -> dict:
        """Read a body (or a GET parameter) as the REST API reads one.

        The same strict rules: a JSON object, no repeated keys, NaN, NUL
        characters or deep nesting. Strawberry's own reading takes any JSON
        value and fails with a 500 on ``null`` or a number.
        """
        raw = data.encode() if isinstance(data, str) else data
        try:
            return StrictJSONParser().parse(io.BytesIO(raw))
        except ParseError as exc:
            raise HTTPException(400, str(exc.detail)) from None

    def should_render_graphql_ide(self, request) -> bool:
        return settings.DEBUG and super().should_render_graphql_ide(request)

    async def get_context(self, request: HttpRequest, response) -> GraphContext:
        headers = {name.lower(): value for name, value in request.headers.items()}
        return GraphContext(headers=headers, request=request, response=response)

    async def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return await self.run(request=request)
        except HTTPException as exc:
            return _refusal(exc.status_code, exc.reason)
        except SuspiciousOperation as exc:
            # A body over DATA_UPLOAD_MAX_MEMORY_SIZE, or too many fields:
            # Django's own refusal would be an HTML page.
            logger.warning("refused GraphQL request: %s", exc)
            return _refusal(400, str(exc))


def _refusal(status: int, message: str) -> HttpResponse:
    code = CODES.get(status, "invalid")
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return HttpResponse(
        json.dumps(body), status=status, content_type="application/json"
    )
