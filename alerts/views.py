"""The unsubscribe page a back-in-stock e-mail links to."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from inventory.errors import InvalidRequest

from . import services
from .tokens import email_from_token


# The signed token is the credential here, and mail clients that offer
# one-click unsubscribing (RFC 8058) POST to this address with no cookie,
# so there is no CSRF token to check.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks to confirm; POST stops every alert waiting for the
    token's address (a mail client's one-click POST included)."""
    try:
        if request.method == "POST":
            email = services.back_in_stock_unsubscribe(token=token)
            done = True
        else:
            email, done = email_from_token(token), False
    except InvalidRequest:
        return render(request, "alerts/unsubscribe_invalid.html", status=404)

    context = {"email": email, "token": token, "done": done}
    return render(request, "alerts/unsubscribe.html", context)
