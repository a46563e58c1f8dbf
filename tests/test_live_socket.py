"""The live stock socket against real Redis: order, replay, snapshot,
gaps, bad messages, group expiry."""

import asyncio
import json

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from inventory import services
from inventory.live import event_message, sku_group
from inventory.models import StockEvent
from inventory.relay import relay_once
from inventory.routing import websocket_urlpatterns

pytestmark = pytest.mark.postgres

APP = URLRouter(websocket_urlpatterns)


def run(scenario):
    return async_to_sync(scenario)()


async def connect() -> WebsocketCommunicator:
    socket = WebsocketCommunicator(APP, "/ws/inventory/")
    connected, _ = await socket.connect()
    assert connected
    return socket


async def receive(socket, timeout: float = 5) -> dict:
    return json.loads(await socket.receive_from(timeout=timeout))


async def receive_until(socket, sequence: int, timeout: float = 10) -> list[dict]:
    """Collect messages until one carries ``sequence``."""
    messages = []
    while not messages or messages[-1].get("sequence") != sequence:
        messages.append(await receive(socket, timeout))
    return messages


hold = database_sync_to_async(services.reservation_create)


async def sequence_of(code: str) -> int:
    from catalog.models import Sku

    get = database_sync_to_async(
        lambda: Sku.objects.values_list("sequence", flat=True).get(code=code)
    )
    return await get()


def test_it_sends_each_change_to_a_subscriber(make_sku):
    sku = make_sku("LIVE-1", EAST=5, threshold=2)

    async def scenario():
        socket = await connect()
        start = await sequence_of(sku.code)
        await socket.send_json_to({"subscribe": [sku.code]})
        await asyncio.sleep(0.2)

        await hold(lines=[(sku.code, 3)])
        event = await receive(socket)
        await socket.disconnect()
        return start, event

    start, event = run(scenario)

    assert event["event_type"] == "inventory_updated"
    assert event["sku_id"] == "LIVE-1"
    assert event["warehouse_id"] == "EAST"
    assert (event["change"], event["reason"]) == (-3, "reservation")
    assert (event["available"], event["status"]) == (2, "low_stock")
    assert event["sequence"] == start + 1


def test_it_replays_what_a_client_missed_since_its_sequence(make_sku):
    sku = make_sku("LIVE-2", WEST=10)
    since = sku.sequence
    for _ in range(3):
        services.reservation_create(lines=[(sku.code, 1)])

    async def scenario():
        socket = await connect()
        await socket.send_json_to({"subscribe": [sku.code], "since": {sku.code: since}})
        messages = [await receive(socket) for _ in range(3)]
        assert await socket.receive_nothing(timeout=0.3)
        await socket.disconnect()
        return messages

    messages = run(scenario)

    assert [m["sequence"] for m in messages] == [since + 1, since + 2, since + 3]
    assert [m["available"] for m in messages] == [9, 8, 7]


def test_it_joins_replay_and_live_with_no_gap_and_no_duplicate(make_sku):
    sku = make_sku("LIVE-3", CENTRAL=200)
    since = sku.sequence

    async def scenario():
        socket = await connect()

        async def keep_selling():
            for _ in range(30):
                await hold(lines=[(sku.code, 1)])

        seller = asyncio.ensure_future(keep_selling())
        await asyncio.sleep(0.05)
        await socket.send_json_to({"subscribe": [sku.code], "since": {sku.code: since}})
        await seller
        messages = await receive_until(socket, since + 30)
        assert await socket.receive_nothing(timeout=0.5)
        await socket.disconnect()
        return messages

    messages = run(scenario)

    assert [m["sequence"] for m in messages] == list(range(since + 1, since + 31))
    assert messages[-1]["available"] == 170


def test_it_sends_a_snapshot_when_history_no_longer_reaches_since(make_sku):
    sku = make_sku("LIVE-4", EAST=6, SOUTH=2)
    since = sku.sequence
    services.reservation_create(lines=[(sku.code, 1)], ship_to="SOUTH")
    StockEvent.objects.filter(sku=sku).delete()

    async def scenario():
        socket = await connect()
        await socket.send_json_to({"subscribe": [sku.code], "since": {sku.code: since}})
        message = await receive(socket)
        assert await socket.receive_nothing(timeout=0.3)
        await socket.disconnect()
        return message

    snapshot = run(scenario)

    assert snapshot["event_type"] == "inventory_snapshot"
    assert (snapshot["sku_id"], snapshot["available"]) == ("LIVE-4", 7)
    assert snapshot["sequence"] == since + 1
    by_code = {w["warehouse"]: w for w in snapshot["warehouses"]}
    assert (by_code["SOUTH"]["available"], by_code["SOUTH"]["reserved"]) == (1, 1)


def test_it_fills_a_gap_left_by_a_dropped_message(make_sku, settings):
    sku = make_sku("LIVE-5", EAST=9)
    settings.REDIS_URL = ""  # no fast path: publishing is left to this test

    async def scenario():
        socket = await connect()
        start = await sequence_of(sku.code)
        await socket.send_json_to({"subscribe": [sku.code]})
        await asyncio.sleep(0.2)
        await hold(lines=[(sku.code, 1)])
        await hold(lines=[(sku.code, 2)])
        last = await database_sync_to_async(
            lambda: StockEvent.objects.get(sku=sku, sequence=start + 2)
        )()
        # Only the second event is published: the first was "dropped".
        await get_channel_layer().group_send(
            sku_group(sku.pk), event_message(sku.pk, last.payload)
        )
        messages = [await receive(socket), await receive(socket)]
        await socket.disconnect()
        return start, messages

    start, messages = run(scenario)

    assert [m["sequence"] for m in messages] == [start + 1, start + 2]
    assert [m["available"] for m in messages] == [8, 6]


def test_it_answers_bad_messages_and_closes_a_socket_that_keeps_sending_them(
    make_sku, settings
):
    make_sku("LIVE-6", EAST=1)
    settings.LIVE_MAX_SKUS_PER_SOCKET = 3

    async def scenario():
        socket = await connect()
        answers = []
        for bad in [
            "not json",
            json.dumps({"subscribe": "LIVE-6"}),
            json.dumps({"subscribe": ["LIVE-6", "NOPE"]}),
            json.dumps({"subscribe": ["A", "B", "C", "D"]}),
            json.dumps({"subscribe": ["LIVE-6"], "since": {"LIVE-6": True}}),
        ]:
            await socket.send_to(text_data=bad)
            answers.append(await receive(socket))
        closed = await socket.receive_output(timeout=2)
        await socket.disconnect()
        return answers, closed

    answers, closed = run(scenario)

    assert [a["error"] for a in answers] == [
        "invalid_message",
        "invalid_message",
        "unknown_sku",
        "too_many_skus",
        "invalid_message",
    ]
    assert all(a["event_type"] == "error" for a in answers)
    assert closed == {"type": "websocket.close", "code": 4400}


def test_it_refuses_an_oversized_message_and_stays_open(make_sku):
    sku = make_sku("LIVE-7", EAST=3)

    async def scenario():
        socket = await connect()
        await socket.send_to(text_data=json.dumps({"subscribe": ["X" * 40000]}))
        refusal = await receive(socket)
        await socket.send_json_to({"subscribe": [sku.code], "since": {sku.code: 0}})
        first = await receive(socket)
        await socket.disconnect()
        return refusal, first

    refusal, first = run(scenario)

    assert refusal["error"] == "message_too_large"
    assert first["sku_id"] == "LIVE-7"


def test_it_keeps_receiving_after_the_group_expiry(make_sku, settings):
    sku = make_sku("LIVE-8", EAST=5)
    layers = dict(settings.CHANNEL_LAYERS)
    layers["default"] = {
        **layers["default"],
        "CONFIG": {**layers["default"]["CONFIG"], "group_expiry": 2},
    }
    settings.CHANNEL_LAYERS = layers
    settings.LIVE_CHECK_SECONDS = 0.5
    settings.REDIS_URL = ""  # publish through the relay, on this layer

    async def scenario():
        socket = await connect()
        start = await sequence_of(sku.code)
        await socket.send_json_to({"subscribe": [sku.code]})
        await asyncio.sleep(3.5)
        await hold(lines=[(sku.code, 1)])
        await relay_once(grace_seconds=0)
        message = await receive(socket, timeout=1)
        await socket.disconnect()
        return start, message

    start, message = run(scenario)

    assert message["sequence"] == start + 1


def test_it_prunes_published_history_past_its_age(make_sku, settings):
    from datetime import timedelta

    from django.utils import timezone

    from inventory.tasks import stock_events_prune

    sku = make_sku("LIVE-9", EAST=3)
    services.reservation_create(lines=[(sku.code, 1)])
    old = timezone.now() - timedelta(days=2)
    StockEvent.objects.filter(sku=sku).update(
        created_at=old, published_at=old, dispatched_at=old
    )
    services.reservation_create(lines=[(sku.code, 1)])
    undispatched = make_sku("LIVE-9B", EAST=3)
    StockEvent.objects.filter(sku=undispatched).update(created_at=old, published_at=old)
    settings.EVENT_HISTORY_SECONDS = 86400

    pruned = stock_events_prune.apply().get()

    # Events the outbound webhooks have not had yet are kept.
    assert pruned == 2
    assert StockEvent.objects.filter(sku=undispatched).count() == 1
    assert list(
        StockEvent.objects.filter(sku=sku).values_list("sequence", flat=True)
    ) == [sku.sequence + 2]


def test_it_answers_messages_the_database_could_not_take(make_sku):
    make_sku("LIVE-10", EAST=1)

    async def scenario():
        socket = await connect()
        answers = []
        for bad in [
            "[" * 5000 + "]" * 5000,
            '{"subscribe": ["\\ud800"]}',
            '{"subscribe": ["A\\u0000B"]}',
        ]:
            await socket.send_to(text_data=bad)
            answers.append(await receive(socket))
        await socket.send_json_to({"subscribe": ["LIVE-10"], "since": {"LIVE-10": 0}})
        still_open = await receive(socket)
        await socket.disconnect()
        return answers, still_open

    answers, still_open = run(scenario)

    assert [a["error"] for a in answers] == ["invalid_message"] * 3
    assert still_open["sku_id"] == "LIVE-10"


def test_it_leaves_its_groups_when_the_socket_ends(make_sku):
    sku = make_sku("LIVE-11", EAST=1)

    async def scenario():
        layer = get_channel_layer()
        socket = await connect()
        await socket.send_json_to({"subscribe": [sku.code]})
        await socket.send_json_to({"subscribe": "x"})
        await receive(socket)
        key = layer._group_key(sku_group(sku.pk))
        async with layer.connection(layer.consistent_hash(key)) as redis:
            during = await redis.zcard(key)
            await socket.disconnect()
            after = await redis.zcard(key)
        return during, after

    assert run(scenario) == (1, 0)
