"""``ws://HOST/ws/inventory/``: every change to the SKUs a client follows,
in sequence order, none missed and none twice.

The consumer parses the client's messages and hands them to a
``StockFollower`` (``inventory/follow.py``), the sequencer it shares with
the GraphQL subscription, which says how order, replay and gaps are kept.
"""

import asyncio
import json
import logging

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

from .follow import StockFollower, TooManySkus
from .text import is_plain_text

logger = logging.getLogger(__name__)

MAX_CODE_LENGTH = 64


class BadMessage(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


class InventoryConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        self.follower = StockFollower(
            layer=self.channel_layer, channel=self.channel_name, deliver=self._send
        )
        self.bad_messages = 0
        await self.accept()
        self.checker = asyncio.create_task(self.follower.keep_checking())

    async def __call__(self, scope, receive, send):
        # However the consumer ends (a clean close, or a send to a client
        # already gone raising out of a handler), its checker must stop and
        # it must leave its groups, or both outlive the socket.
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self._leave()

    async def disconnect(self, code: int) -> None:
        await self._leave()

    async def _leave(self) -> None:
        checker = getattr(self, "checker", None)
        if checker:
            checker.cancel()
        follower = getattr(self, "follower", None)
        if follower:
            await follower.leave()

    async def receive(self, text_data=None, bytes_data=None) -> None:
        try:
            request = self._parse(text_data, bytes_data)
            await self._follow(request)
        except BadMessage as bad:
            await self._refuse(bad)

    async def stock_event(self, message: dict) -> None:
        """A change published for a SKU this socket follows."""
        await self.follower.on_event(message)

    def _parse(self, text_data, bytes_data) -> dict:
        if text_data is None:
            raise BadMessage("invalid_message", "send JSON text frames")
        size = len(text_data.encode("utf-8", "surrogatepass"))
        if size > settings.LIVE_MAX_MESSAGE_BYTES:
            raise BadMessage(
                "message_too_large",
                f"messages are at most {settings.LIVE_MAX_MESSAGE_BYTES} bytes",
            )
        try:
            request = json.loads(text_data)
        except (ValueError, RecursionError):
            raise BadMessage("invalid_message", "the message is not JSON") from None
        return _check_request(request)

    async def _follow(self, request: dict) -> None:
        try:
            unknown = await self.follower.follow(request["subscribe"], request["since"])
        except TooManySkus as exc:
            raise BadMessage("too_many_skus", str(exc)) from None
        if unknown:
            raise BadMessage("unknown_sku", f"no such SKU: {', '.join(unknown)}")

    async def _send(self, message: dict) -> None:
        await self.send(text_data=json.dumps(message, cls=DjangoJSONEncoder))

    async def _refuse(self, bad: BadMessage) -> None:
        self.bad_messages += 1
        await self.send(
            text_data=json.dumps(
                {"event_type": "error", "error": bad.code, "detail": bad.detail}
            )
        )
        if self.bad_messages >= settings.LIVE_MAX_BAD_MESSAGES:
            logger.warning("closing a socket after %d bad messages", self.bad_messages)
            await self.close(code=4400)


def _check_request(request: object) -> dict:
    """Return ``{"subscribe": [codes], "since": {code: int}}`` or refuse."""
    if not isinstance(request, dict) or "subscribe" not in request:
        raise BadMessage("invalid_message", 'send {"subscribe": [SKU, ...]}')
    codes = request["subscribe"]
    if not isinstance(codes, list) or not codes:
        raise BadMessage("invalid_message", "subscribe must be a list of SKU codes")
    if len(codes) > settings.LIVE_MAX_SKUS_PER_SOCKET:
        raise BadMessage(
            "too_many_skus",
            f"a socket follows at most {settings.LIVE_MAX_SKUS_PER_SOCKET} SKUs",
        )
    if not all(_plain_code(code) for code in codes):
        raise BadMessage(
            "invalid_message", "each SKU code must be a short, printable string"
        )

    since = request.get("since", {})
    if since is None:
        since = {}
    if not isinstance(since, dict) or not all(
        type(v) is int and 0 <= v < 2**63 for v in since.values()
    ):
        raise BadMessage(
            "invalid_message", "since must map SKU codes to whole sequences"
        )
    wanted = set(codes)
    return {
        "subscribe": list(dict.fromkeys(codes)),
        "since": {code: seq for code, seq in since.items() if code in wanted},
    }


def _plain_code(code: object) -> bool:
    return is_plain_text(code, max_length=MAX_CODE_LENGTH)
