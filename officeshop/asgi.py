"""The ASGI application: HTTP, the live stock socket, and the relay.

The relay (inventory.relay) runs as a task of each web process, started
with the server (ASGI lifespan) and cancelled when it stops.
"""

import asyncio
import contextlib
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "officeshop.settings")

# Django must be set up before anything that imports models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from graphapi.routing import websocket_urlpatterns as graphql_urlpatterns  # noqa: E402
from inventory.relay import relay_forever  # noqa: E402
from inventory.routing import websocket_urlpatterns  # noqa: E402
from officeshop.bodylimit import body_limit  # noqa: E402

router = ProtocolTypeRouter(
    {
        "http": body_limit(django_asgi_app),
        # No origin check: the socket carries only public stock figures and
        # takes no credentials, and ERP clients send no Origin header.
        "websocket": URLRouter(websocket_urlpatterns + graphql_urlpatterns),
    }
)


async def application(scope, receive, send):
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
    else:
        await router(scope, receive, send)


async def _lifespan(receive, send) -> None:
    relay = None
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            relay = asyncio.create_task(relay_forever())
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if relay:
                relay.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await relay
            await send({"type": "lifespan.shutdown.complete"})
            return
