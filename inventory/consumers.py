"""``ws://HOST/ws/inventory/``: every change to the SKUs a client follows,
in sequence order, none missed and none twice.

The consumer is the sequencer. It joins a SKU's group before reading where
the SKU stands, so nothing committed in between is lost; it drops any
event at or below the last sequence it sent; and when an event skips ahead
(the channel layer drops messages under load) it fills the gap from the
database first. A periodic check does the same for a gap with no later
event to reveal it, and renews group membership before it expires.
"""

import asyncio
import json
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

from . import history
from .live import sku_group
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
        # SKU pk -> last sequence sent, and SKU pk -> code.
        self.sent: dict[int, int] = {}
        self.codes: dict[int, str] = {}
        self.bad_messages = 0
        self.lock = asyncio.Lock()
        await self.accept()
        self.checker = asyncio.create_task(self._check_periodically())

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
        sent, self.sent = getattr(self, "sent", {}), {}
        for sku_id in sent:
            await self.channel_layer.group_discard(sku_group(sku_id), self.channel_name)

    async def receive(self, text_data=None, bytes_data=None) -> None:
        try:
            request = self._parse(text_data, bytes_data)
            await self._follow(request)
        except BadMessage as bad:
            await self._refuse(bad)

    async def stock_event(self, message: dict) -> None:
        """A change published for a SKU this socket follows."""
        sku_id, event = message["sku"], message["event"]
        async with self.lock:
            last = self.sent.get(sku_id)
            if last is None or event["sequence"] <= last:
                return
            if event["sequence"] == last + 1:
                await self._send_event(sku_id, event)
            else:
                await self._catch_up(sku_id)

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
        codes, since = request["subscribe"], request["since"]
        found = await database_sync_to_async(history.sku_ids_for_codes)(codes)
        unknown = [code for code in codes if code not in found]
        new = [pk for pk in found.values() if pk not in self.sent]
        if len(self.sent) + len(new) > settings.LIVE_MAX_SKUS_PER_SOCKET:
            raise BadMessage(
                "too_many_skus",
                f"a socket follows at most {settings.LIVE_MAX_SKUS_PER_SOCKET} SKUs",
            )

        for sku_id in new:
            await self.channel_layer.group_add(sku_group(sku_id), self.channel_name)
        current = await database_sync_to_async(history.current_sequences)(
            list(found.values())
        )
        async with self.lock:
            for code, sku_id in found.items():
                self.codes[sku_id] = code
                if code in since:
                    self.sent[sku_id] = since[code]
                    await self._catch_up(sku_id)
                elif sku_id not in self.sent:
                    self.sent[sku_id] = current[sku_id]
        if unknown:
            raise BadMessage("unknown_sku", f"no such SKU: {', '.join(unknown)}")

    async def _catch_up(self, sku_id: int) -> None:
        """Send what the client missed since the last sequence sent.

        Precondition: ``self.lock`` is held.
        """
        messages = await database_sync_to_async(history.catch_up)(
            sku_id, after=self.sent[sku_id]
        )
        for message in messages:
            await self._send_event(sku_id, message)

    async def _send_event(self, sku_id: int, message: dict) -> None:
        await self.send(text_data=json.dumps(message, cls=DjangoJSONEncoder))
        self.sent[sku_id] = message["sequence"]

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

    async def _check_periodically(self) -> None:
        while True:
            await asyncio.sleep(settings.LIVE_CHECK_SECONDS)
            try:
                await self._check()
            except asyncio.CancelledError:
                raise
            except OSError:
                # The client is gone (uvicorn's ClientDisconnected is one).
                await self._leave()
                return
            except Exception:
                logger.exception("periodic stock check failed")

    async def _check(self) -> None:
        """Fill gaps no later event revealed; renew group memberships."""
        if not self.sent:
            return
        for sku_id in list(self.sent):
            await self.channel_layer.group_add(sku_group(sku_id), self.channel_name)
        current = await database_sync_to_async(history.current_sequences)(
            list(self.sent)
        )
        async with self.lock:
            for sku_id, sequence in current.items():
                if sequence > self.sent.get(sku_id, sequence):
                    await self._catch_up(sku_id)


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
