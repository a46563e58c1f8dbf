"""``inventoryUpdated(skus, since)``: the plain socket's stream in GraphQL.

Each subscription gets a channel of its own on the channel layer and a
``StockFollower``, the plain socket's sequencer, so the order, replay
from ``since``, snapshot and gap rules are the very same code.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import strawberry
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from strawberry.types import Info

from inventory import history
from inventory.errors import InvalidRequest, UnknownSku
from inventory.follow import StockFollower

from .context import GraphContext
from .text import checked_text
from .types import SinceInput, StockMessage

logger = logging.getLogger(__name__)

MAX_CODE_LENGTH = 64
QUEUE_SIZE = 100


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Every change to the SKUs named, in sequence order per "
        "SKU. With since, the changes after each sequence come first, or "
        "one inventory_snapshot when they are no longer kept. At most 100 "
        "SKUs; an unknown code refuses the subscription (unknown_sku)."
    )
    async def inventory_updated(
        self, info: Info, skus: list[str], since: list[SinceInput] | None = None
    ) -> AsyncIterator[StockMessage]:
        codes, after = _checked(skus, since or [])
        found = await database_sync_to_async(history.sku_ids_for_codes)(codes)
        unknown = [code for code in codes if code not in found]
        if unknown:
            raise UnknownSku(f"no such SKU: {', '.join(unknown)}")

        _take_slots(info.context, len(codes))
        return FollowStream(codes, after, socket=info.context)


def _take_slots(socket: GraphContext, count: int) -> None:
    """Count ``count`` more SKUs against the socket's limit, the plain
    socket's LIVE_MAX_SKUS_PER_SOCKET over all its subscriptions."""
    limit = settings.LIVE_MAX_SKUS_PER_SOCKET
    if socket.following + count > limit:
        raise InvalidRequest(
            f"a socket follows at most {limit} SKUs over all its subscriptions",
            error="too_many_skus",
        )
    socket.following += count


class FollowStream:
    """The messages of one subscription, as an async iterator.

    On the first read it starts one task that follows the SKUs (joining
    their groups, replaying from ``since``) and then hands the follower
    each message sent to its channel, one after another, as the plain
    socket's consumer handles its messages; and one task for the
    periodic check. Messages reach the client through a bounded queue: a
    client that reads slowly holds its follower back, and what comes
    meanwhile waits on the channel layer or, past its capacity, is
    replayed from the database as a gap.

    A class rather than a generator so that ``aclose`` always gives back
    the socket's slots and leaves the groups, even for a stream closed
    before it was first read (a generator's ``finally`` would not run).
    """

    def __init__(self, codes: list[str], after: dict, *, socket: GraphContext):
        self.codes = codes
        self.after = after
        self.socket = socket
        self.queue: asyncio.Queue = asyncio.Queue(maxsize=QUEUE_SIZE)
        self.follower: StockFollower | None = None
        self.tasks: list[asyncio.Task] = []
        self.closed = False

    def __aiter__(self) -> "FollowStream":
        return self

    async def __anext__(self) -> StockMessage:
        if self.closed:
            raise StopAsyncIteration
        if self.follower is None:
            await self._start()
        try:
            message = await self.queue.get()
        except BaseException:
            # Cancelled: the client went away or completed.
            await self.aclose()
            raise
        if message is _FAILED:
            await self.aclose()
            raise RuntimeError("following the SKUs failed; it has been logged")
        return StockMessage.from_dict(message)

    async def aclose(self) -> None:
        if self.closed:
            return
        self.closed = True
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self.socket.following -= len(self.codes)
        if self.follower is not None:
            await self.follower.leave()

    async def _start(self) -> None:
        layer = get_channel_layer()
        channel = await layer.new_channel()
        self.follower = StockFollower(
            layer=layer, channel=channel, deliver=self.queue.put
        )
        self.tasks = [
            asyncio.create_task(self._follow_and_receive()),
            asyncio.create_task(self.follower.keep_checking()),
        ]

    async def _follow_and_receive(self) -> None:
        follower = self.follower
        try:
            await follower.follow(self.codes, self.after)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("following SKUs for a subscription failed")
            await self.queue.put(_FAILED)
            return

        while True:
            try:
                message = await follower.layer.receive(follower.channel)
                if message.get("type") == "stock.event":
                    await follower.on_event(message)
            except asyncio.CancelledError:
                raise
            except Exception:
                # The periodic check fills from the database whatever is
                # missed while the channel layer fails.
                logger.exception("receiving stock events failed; trying again")
                await asyncio.sleep(1)


# Put on a stream's queue when following failed, to end the stream.
_FAILED: dict = {}


def _checked(skus: list[str], since: list[SinceInput]) -> tuple[list[str], dict]:
    """Return the distinct codes and ``{code: sequence}``, or refuse
    them as the plain socket refuses a bad subscribe message."""
    limit = settings.LIVE_MAX_SKUS_PER_SOCKET
    codes = list(dict.fromkeys(checked_text(code, "skus") for code in skus))
    if not codes:
        raise InvalidRequest("skus must name at least one SKU")
    if len(codes) > limit:
        raise InvalidRequest(
            f"a subscription follows at most {limit} SKUs", error="too_many_skus"
        )
    if any(not 0 < len(code) <= MAX_CODE_LENGTH for code in codes):
        raise InvalidRequest("each SKU code must be 1 to 64 characters")

    after = {}
    for entry in since:
        checked_text(entry.sku, "since.sku")
        if entry.sequence < 0:
            raise InvalidRequest("since: a sequence is a whole number from 0")
        if entry.sku in codes:
            after[entry.sku] = entry.sequence
    return codes, after
