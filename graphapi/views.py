"""``POST /graphql/``: the GraphQL endpoint over HTTP."""

import json
import logging

from cross_web import HTTPException
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from strawberry.django.views import AsyncGraphQLView

from .context import GraphContext

logger = logging.getLogger(__name__)

CODES = {404: "not_found", 405: "method_not_allowed"}


class GraphView(AsyncGraphQLView):
    """Strawberry's view, with GraphiQL only under DEBUG and every refusal
    of the request itself in GraphQL's error shape with a code, instead
    of strawberry's plain text."""

    def should_render_graphql_ide(self, request) -> bool:
        return settings.DEBUG and super().should_render_graphql_ide(request)

    async def get_context(self, request: HttpRequest, response) -> GraphContext:
        headers = {name.lower(): value for name, value in request.headers.items()}
        return GraphContext(headers=headers, request=request, response=response)

    async def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return await self.run(request=request)
        except HTTPException as exc:
            code = CODES.get(exc.status_code, "invalid")
            body = {"errors": [{"message": exc.reason, "extensions": {"code": code}}]}
            return HttpResponse(
                json.dumps(body),
                status=exc.status_code,
                content_type="application/json",
            )
