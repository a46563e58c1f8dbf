"""One live client's stream of stock changes: in order, none missed, none
twice. Both live APIs use it, the plain socket (``consumers.py``) and the
GraphQL subscription (``graphapi/subscriptions.py``), so their ordering,
replay from ``since``, snapshot and gap rules are the same code.

The follower is the sequencer. It joins a SKU's group before reading where
the SKU stands, so nothing committed in between is lost; it drops any
event at or below the last sequence it delivered; and when an event skips
ahead (the channel layer drops messages under load) it fills the gap from
the database first. ``check`` does the same for a gap with no later event
to reveal it, and renews group membership before it expires.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable

from channels.db import database_sync_to_async
from django.conf import settings

from . import history
from .live import sku_group

logger = logging.getLogger(__name__)

Deliver = Callable[[dict], Awaitable[None]]


class TooManySkus(Exception):
    """Following the SKUs asked would pass LIVE_MAX_SKUS_PER_SOCKET."""


class StockFollower:
    """Deliver every change to the SKUs followed on one channel.

    ``deliver`` gets each message in the contract's shape (an
    ``inventory_updated`` event or an ``inventory_snapshot``), in sequence
    order per SKU.
    """

    def __init__(self, *, layer, channel: str, deliver: Deliver) -> None:
        self.layer = layer
        self.channel = channel
        self.deliver = deliver
        # SKU pk -> last sequence delivered, and SKU pk -> code.
        self.sent: dict[int, int] = {}
        self.codes: dict[int, str] = {}
        self.lock = asyncio.Lock()

    async def follow(self, codes: list[str], since: dict[str, int]) -> list[str]:
        """Start following ``codes``; replay what came after ``since``.

        Return the codes that name no SKU (the others are followed).
        Raise TooManySkus, following nothing new, past the limit.
        """
        found = await database_sync_to_async(history.sku_ids_for_codes)(codes)
        unknown = [code for code in codes if code not in found]
        new = [pk for pk in found.values() if pk not in self.sent]
        if len(self.sent) + len(new) > settings.LIVE_MAX_SKUS_PER_SOCKET:
            raise TooManySkus(
                f"a socket follows at most {settings.LIVE_MAX_SKUS_PER_SOCKET} SKUs"
            )

        for sku_id in new:
            await self.layer.group_add(sku_group(sku_id), self.channel)
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
        return unknown

    async def on_event(self, message: dict) -> None:
        """Take a ``stock.event`` channel message for a followed SKU."""
        sku_id, event = message["sku"], message["event"]
        async with self.lock:
            last = self.sent.get(sku_id)
            if last is None or event["sequence"] <= last:
                return
            if event["sequence"] == last + 1:
                await self._deliver(sku_id, event)
            else:
                await self._catch_up(sku_id)

    async def check(self) -> None:
        """Fill gaps no later event revealed; renew group memberships."""
        if not self.sent:
            return
        for sku_id in list(self.sent):
            await self.layer.group_add(sku_group(sku_id), self.channel)
        current = await database_sync_to_async(history.current_sequences)(
            list(self.sent)
        )
        async with self.lock:
            for sku_id, sequence in current.items():
                if sequence > self.sent.get(sku_id, sequence):
                    await self._catch_up(sku_id)

    async def keep_checking(self) -> None:
        """Run ``check`` every LIVE_CHECK_SECONDS until cancelled or the
        client is gone."""
        while True:
            await asyncio.sleep(settings.LIVE_CHECK_SECONDS)
            try:
                await self.check()
            except asyncio.CancelledError:
                raise
            except OSError:
                # The client is gone (uvicorn's ClientDisconnected is one).
                await self.leave()
                return
            except Exception:
                logger.exception("periodic stock check failed")

    async def leave(self) -> None:
        """Stop following everything; safe to call more than once."""
        sent, self.sent = self.sent, {}
        for sku_id in sent:
            await self.layer.group_discard(sku_group(sku_id), self.channel)

    async def _catch_up(self, sku_id: int) -> None:
        """Deliver what the client missed since the last sequence sent.

        Precondition: ``self.lock`` is held.
        """
        messages = await database_sync_to_async(history.catch_up)(
            sku_id, after=self.sent[sku_id]
        )
        for message in messages:
            await self._deliver(sku_id, message)

    async def _deliver(self, sku_id: int, message: dict) -> None:
        await self.deliver(message)
        self.sent[sku_id] = message["sequence"]
