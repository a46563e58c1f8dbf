"""Middleware of the shop's own: requests no page can answer are refused
before they reach a view, and pages are shown in the store's time zone."""

import zoneinfo

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils import timezone


class RejectNulMiddleware:
    """Answer 400 to a page or admin request whose path or query holds a
    NUL character.

    PostgreSQL cannot compare text holding one, so it would otherwise turn
    a lookup into a server error. The API checks its own input and answers
    in its own error body, so /api/ is left to it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if request.path.startswith("/api/"):
            return self.get_response(request)
        if "\x00" in request.path or "%00" in query or "\x00" in query:
            if request.path.startswith("/webhooks/"):
                body = {"error": "invalid", "detail": "NUL characters are refused"}
                return JsonResponse(body, status=400)
            return HttpResponseBadRequest("NUL characters are refused")
        return self.get_response(request)


class StoreTimeZoneMiddleware:
    """Show pages and the admin in the store's time zone.

    The APIs (REST and GraphQL) and the webhooks keep UTC, as the live
    messages' timestamps do, so a machine reading them never has to know
    where the store is.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.zone = zoneinfo.ZoneInfo(settings.STORE_TIME_ZONE)

    def __call__(self, request):
        if request.path.startswith(("/api/", "/graphql/", "/webhooks/")):
            return self.get_response(request)
        with timezone.override(self.zone):
            return self.get_response(request)
