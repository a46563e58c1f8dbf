"""Refuse requests no page can answer before they reach a view."""

from django.http import HttpResponseBadRequest, JsonResponse


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
