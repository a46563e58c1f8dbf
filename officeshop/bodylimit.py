"""Refuse an HTTP request whose announced body is too large before Django
starts reading it.

Django's ASGI handler reads a whole body before any view runs, so a client
that announces a terabyte and sends ten bytes would hold a worker's
request open until it gave up. The answer is the contract's error body,
413, sent at once.
"""

import json

from django.conf import settings


def body_limit(app):
    """Wrap the ASGI ``app`` with the MAX_REQUEST_BYTES check."""

    async def limited(scope, receive, send):
        if scope["type"] == "http" and _too_large(scope):
            await _refuse(send)
            return
        await app(scope, receive, send)

    return limited


def _too_large(scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return not value.isdigit() or int(value) > settings.MAX_REQUEST_BYTES
    return False


async def _refuse(send) -> None:
    limit = settings.MAX_REQUEST_BYTES
    body = json.dumps(
        {"error": "too_large", "detail": f"a request body is at most {limit} bytes"}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
