"""Error pages that answer the API's clients in the API's own body.

Django answers some refusals before any API view runs (a bad Host header,
a failed CSRF check, an unknown address, an unexpected error); under /api/
and /webhooks/ those are JSON in the contract's shape too, elsewhere the
storefront's HTML pages.
"""

import logging

from django.http import JsonResponse
from django.views import defaults
from django.views.csrf import csrf_failure as html_csrf_failure

logger = logging.getLogger(__name__)


def _is_api(request) -> bool:
    return request.path.startswith(("/api/", "/webhooks/"))


def _json(code: str, detail: str, status: int) -> JsonResponse:
    return JsonResponse({"error": code, "detail": detail}, status=status)


def bad_request(request, exception=None):
    if _is_api(request):
        return _json("invalid", "the request was refused", 400)
    return defaults.bad_request(request, exception)


def page_not_found(request, exception=None):
    if _is_api(request):
        return _json("not_found", "nothing is at this address", 404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return _json("server_error", "something went wrong on our side", 500)
    return defaults.server_error(request)


def csrf_failure(request, reason=""):
    if _is_api(request):
        return _json("forbidden", "this call does not take form posts", 403)
    return html_csrf_failure(request, reason, template_name="403_csrf.html")
