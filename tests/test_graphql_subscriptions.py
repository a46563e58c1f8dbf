"""``inventoryUpdated`` over graphql-transport-ws against real Redis: the
plain socket's order, replay, snapshot and gap rules, in camelCase."""

import asyncio
import json

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from catalog.models import Sku
from graphapi.routing import websocket_urlpatterns as graphql_urlpatterns
from inventory import services
from inventory.live import event_message, sku_group
from inventory.models import StockEvent
from inventory.routing import websocket_urlpatterns
from tests.conftest import level

pytestmark = pytest.mark.postgres

APP = URLRouter(websocket_urlpatterns + graphql_urlpatterns)
PROTOCOL = "graphql-transport-ws"
SUBSCRIBE = """subscription($skus: [String!]!, $since: [SinceInput!]) {
  inventoryUpdated(skus: $skus, since: $since) {
    eventType eventId skuId warehouseId change reason available status
    sequence timestamp warehouses { warehouse available reserved }
  }
}"""

hold = database_sync_to_async(services.reservation_create)


def run(scenario):
    return async_to_sync(scenario)()


async def open_socket() -> WebsocketCommunicator:
    socket = WebsocketCommunicator(APP, "/graphql/", subprotocols=[PROTOCOL])
    connected, protocol = await socket.connect()
    assert (connected, protocol) == (True, PROTOCOL)
    await socket.send_json_to({"type": "connection_init"})
    assert (await socket.receive_json_from(timeout=5))["type"] == "connection_ack"
    return socket


async def subscribe(socket, skus: list[str], since: dict | None = None) -> None:
    variables = {"skus": skus}
    if since is not None:
        variables["since"] = [{"sku": k, "sequence": v} for k, v in since.items()]
    await socket.send_json_to(
        {
            "id": "1",
            "type": "subscribe",
            "payload": {"query": SUBSCRIBE, "variables": variables},
        }
    )


async def next_message(socket, timeout: float = 5) -> dict:
    """Return the next stock message; fail on anything else."""
    frame = await socket.receive_json_from(timeout=timeout)
    assert frame["type"] == "next", frame
    assert "errors" not in frame["payload"], frame
    return frame["payload"]["data"]["inventoryUpdated"]


async def sequence_of(code: str) -> int:
    get = database_sync_to_async(
        lambda: Sku.objects.values_list("sequence", flat=True).get(code=code)
    )
    return await get()


async def members_of(sku_pk: int) -> int:
    """Return how many channels are in a SKU's group on the Redis layer."""
    layer = get_channel_layer()
    group = sku_group(sku_pk)
    redis = layer.connection(layer.consistent_hash(group))
    return await redis.zcard(layer._group_key(group))


async def members_after_leaving(sku_pk: int) -> int:
    """Return a group's size once it has emptied, or after 5 s."""
    for _ in range(100):
        left = await members_of(sku_pk)
        if left == 0:
            break
        await asyncio.sleep(0.05)
    return left


async def subscribed_and_settled(socket, skus: list[str]) -> None:
    """Subscribe from each SKU's current sequence, and return once the
    subscription has joined the SKUs' groups.

    With ``since``, a change committed while the subscription starts is
    replayed if it is not heard live, so what follows never depends on
    how quickly the server set the subscription up.
    """
    since = {code: await sequence_of(code) for code in skus}
    await subscribe(socket, skus, since)
    pks = await database_sync_to_async(
        lambda: list(Sku.objects.filter(code__in=skus).values_list("pk", flat=True))
    )()
    for _ in range(100):
        counts = [await members_of(pk) for pk in pks]
        if all(counts):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the subscription never joined its groups")


def test_it_sends_each_change_in_the_plain_sockets_fields_in_camel_case(make_sku):
    sku = make_sku("GQL-LIVE-1", EAST=5, threshold=2)

    async def scenario():
        plain = WebsocketCommunicator(APP, "/ws/inventory/")
        await plain.connect()
        start = await sequence_of(sku.code)
        await plain.send_json_to({"subscribe": [sku.code], "since": {sku.code: start}})
        graph = await open_socket()
        await subscribed_and_settled(graph, [sku.code])

        await hold(lines=[(sku.code, 3)])
        message = await next_message(graph)
        event = await plain.receive_json_from(timeout=5)
        await graph.disconnect()
        await plain.disconnect()
        return message, event

    message, event = run(scenario)

    assert message == {
        "eventType": "inventory_updated",
        "eventId": event["event_id"],
        "skuId": "GQL-LIVE-1",
        "warehouseId": "EAST",
        "change": -3,
        "reason": "reservation",
        "available": 2,
        "status": "low_stock",
        "sequence": event["sequence"],
        "timestamp": event["timestamp"],
        "warehouses": None,
    }


def test_it_resumes_with_since_and_gets_exactly_what_it_missed(make_sku):
    sku = make_sku("GQL-LIVE-2", WEST=20)

    async def scenario():
        socket = await open_socket()
        await subscribed_and_settled(socket, [sku.code])
        await hold(lines=[(sku.code, 1)])
        await hold(lines=[(sku.code, 1)])
        before_drop = [await next_message(socket), await next_message(socket)]
        await socket.disconnect()

        # While the client is away, three more changes happen.
        for _ in range(3):
            await hold(lines=[(sku.code, 2)])

        again = await open_socket()
        seen = before_drop[-1]["sequence"]
        await subscribe(again, [sku.code], since={sku.code: seen})
        missed = [await next_message(again) for _ in range(3)]
        assert await again.receive_nothing(timeout=0.5)
        await hold(lines=[(sku.code, 1)])
        live = await next_message(again)
        await again.disconnect()
        return before_drop, missed, live

    before_drop, missed, live = run(scenario)

    first = before_drop[0]["sequence"]
    assert [m["sequence"] for m in before_drop] == [first, first + 1]
    assert [m["sequence"] for m in missed] == [first + 2, first + 3, first + 4]
    assert [m["available"] for m in missed] == [16, 14, 12]
    assert (live["sequence"], live["available"]) == (first + 5, 11)


def test_it_sends_a_snapshot_when_history_no_longer_reaches_since(make_sku):
    sku = make_sku("GQL-LIVE-3", EAST=6, SOUTH=2)
    since = sku.sequence
    services.reservation_create(lines=[(sku.code, 1)], ship_to="SOUTH")
    StockEvent.objects.filter(sku=sku).delete()

    async def scenario():
        socket = await open_socket()
        await subscribe(socket, [sku.code], since={sku.code: since})
        message = await next_message(socket)
        assert await socket.receive_nothing(timeout=0.3)
        await socket.disconnect()
        return message

    snapshot = run(scenario)

    assert snapshot["eventType"] == "inventory_snapshot"
    assert (snapshot["skuId"], snapshot["available"]) == ("GQL-LIVE-3", 7)
    assert snapshot["sequence"] == since + 1
    assert snapshot["eventId"] is None
    by_code = {w["warehouse"]: w for w in snapshot["warehouses"]}
    assert (by_code["SOUTH"]["available"], by_code["SOUTH"]["reserved"]) == (1, 1)


def test_it_fills_a_gap_left_by_a_dropped_message(make_sku, settings):
    sku = make_sku("GQL-LIVE-4", EAST=9)
    settings.REDIS_URL = ""  # no fast path: publishing is left to this test

    async def scenario():
        socket = await open_socket()
        start = await sequence_of(sku.code)
        await subscribed_and_settled(socket, [sku.code])
        await hold(lines=[(sku.code, 1)])
        await hold(lines=[(sku.code, 2)])
        last = await database_sync_to_async(
            lambda: StockEvent.objects.get(sku=sku, sequence=start + 2)
        )()
        # Only the second event is published: the first was "dropped".
        await get_channel_layer().group_send(
            sku_group(sku.pk), event_message(sku.pk, last.payload)
        )
        messages = [await next_message(socket), await next_message(socket)]
        await socket.disconnect()
        return start, messages

    start, messages = run(scenario)

    assert [m["sequence"] for m in messages] == [start + 1, start + 2]
    assert [m["available"] for m in messages] == [8, 6]


def test_it_orders_a_burst_exactly_as_the_plain_socket_does(make_sku):
    sku = make_sku("GQL-LIVE-5", CENTRAL=100)

    async def scenario():
        plain = WebsocketCommunicator(APP, "/ws/inventory/")
        await plain.connect()
        start = await sequence_of(sku.code)
        await plain.send_json_to({"subscribe": [sku.code], "since": {sku.code: start}})
        graph = await open_socket()
        await subscribed_and_settled(graph, [sku.code])

        for _ in range(20):
            await hold(lines=[(sku.code, 1)])
        graphs = [await next_message(graph) for _ in range(20)]
        plains = [await plain.receive_json_from(timeout=5) for _ in range(20)]
        await graph.disconnect()
        await plain.disconnect()
        return graphs, plains

    graphs, plains = run(scenario)

    assert [(m["sequence"], m["available"]) for m in graphs] == [
        (m["sequence"], m["available"]) for m in plains
    ]
    assert [m["available"] for m in graphs] == list(range(99, 79, -1))


@pytest.mark.parametrize(
    "skus, since, code",
    [
        (["GQL-LIVE-6", "NOPE"], None, "unknown_sku"),
        ([f"S{n}" for n in range(101)], None, "too_many_skus"),
        ([], None, "invalid"),
        (["X" * 65], None, "invalid"),
        (["GQL-LIVE-6"], {"GQL-LIVE-6": -1}, "invalid"),
    ],
    ids=["unknown", "101", "none", "long", "negative-since"],
)
def test_it_refuses_a_bad_subscription_with_a_code(make_sku, skus, since, code):
    make_sku("GQL-LIVE-6", EAST=1)

    async def scenario():
        socket = await open_socket()
        await subscribe(socket, skus, since)
        frame = await socket.receive_json_from(timeout=5)
        await socket.disconnect()
        return frame

    frame = run(scenario)

    assert frame["type"] in ("error", "next")
    errors = (
        frame["payload"] if frame["type"] == "error" else frame["payload"]["errors"]
    )
    assert [e["extensions"]["code"] for e in errors] == [code]


def test_it_refuses_a_malformed_subscription_document(make_sku):
    async def scenario():
        socket = await open_socket()
        await socket.send_json_to(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {"query": "subscription { inventoryUpdated(skus: [1]) }"},
            }
        )
        frame = await socket.receive_json_from(timeout=5)
        await socket.disconnect()
        return frame

    frame = run(scenario)

    assert frame["type"] == "error"
    assert {e["extensions"]["code"] for e in frame["payload"]} == {"invalid"}


@pytest.mark.parametrize("ending", ["complete", "disconnect"])
def test_it_leaves_its_groups_when_the_client_ends(make_sku, settings, ending):
    sku = make_sku("GQL-LIVE-7", EAST=4)
    settings.REDIS_URL = ""

    async def scenario():
        socket = await open_socket()
        await subscribed_and_settled(socket, [sku.code])
        following = await members_of(sku.pk)
        if ending == "complete":
            await socket.send_json_to({"id": "1", "type": "complete"})
        else:
            await socket.disconnect()
        left = await members_after_leaving(sku.pk)
        if ending == "complete":
            await socket.disconnect()
        return following, left

    assert run(scenario) == (1, 0)


def test_it_carries_the_json_of_every_frame(make_sku):
    """The frames are plain JSON a browser's client parses."""
    sku = make_sku("GQL-LIVE-8", EAST=2)

    async def scenario():
        socket = await open_socket()
        await subscribed_and_settled(socket, [sku.code])
        await hold(lines=[(sku.code, 1)])
        raw = await socket.receive_from(timeout=5)
        await socket.disconnect()
        return raw

    frame = json.loads(run(scenario))

    assert frame["id"] == "1"
    assert frame["payload"]["data"]["inventoryUpdated"]["available"] == 1


def test_it_limits_the_skus_a_socket_follows_over_all_its_subscriptions(
    make_sku, settings
):
    settings.LIVE_MAX_SKUS_PER_SOCKET = 3
    for n in range(4):
        make_sku(f"GQL-SLOT-{n}", EAST=1)

    async def scenario():
        socket = await open_socket()
        await subscribed_and_settled(socket, ["GQL-SLOT-0", "GQL-SLOT-1"])
        await socket.send_json_to(
            {
                "id": "2",
                "type": "subscribe",
                "payload": {
                    "query": SUBSCRIBE,
                    "variables": {"skus": ["GQL-SLOT-2", "GQL-SLOT-3"]},
                },
            }
        )
        refused = await socket.receive_json_from(timeout=5)
        await socket.send_json_to({"id": "1", "type": "complete"})
        slot_0 = await database_sync_to_async(Sku.objects.get)(code="GQL-SLOT-0")
        assert await members_after_leaving(slot_0.pk) == 0
        await socket.send_json_to(
            {
                "id": "3",
                "type": "subscribe",
                "payload": {
                    "query": SUBSCRIBE,
                    "variables": {
                        "skus": ["GQL-SLOT-2", "GQL-SLOT-3"],
                        "since": [{"sku": "GQL-SLOT-3", "sequence": 0}],
                    },
                },
            }
        )
        accepted = await socket.receive_json_from(timeout=5)
        await socket.disconnect()
        return refused, accepted

    refused, accepted = run(scenario)

    assert (refused["id"], refused["type"]) == ("2", "error")
    assert [e["extensions"]["code"] for e in refused["payload"]] == ["too_many_skus"]
    assert (accepted["id"], accepted["type"]) == ("3", "next")
    assert accepted["payload"]["data"]["inventoryUpdated"]["skuId"] == "GQL-SLOT-3"


def test_it_gives_each_query_on_a_socket_a_budget_of_its_own(make_sku):
    make_sku("GQL-BUDGET", EAST=1)
    codes = [f"GQL-NONE-{n}" for n in range(99)] + ["GQL-BUDGET"]
    query = "query($c: [String!]!) { skus(codes: $c) { sku available } }"

    async def scenario():
        socket = await open_socket()
        frames = []
        for n in range(3):
            await socket.send_json_to(
                {
                    "id": f"q{n}",
                    "type": "subscribe",
                    "payload": {"query": query, "variables": {"c": codes}},
                }
            )
            frames.append(await socket.receive_json_from(timeout=5))
            assert (await socket.receive_json_from(timeout=5))["type"] == "complete"
        await socket.disconnect()
        return frames

    frames = run(scenario)

    assert [f["payload"] for f in frames] == [
        {"data": {"skus": [{"sku": "GQL-BUDGET", "available": 1}]}}
    ] * 3


def test_it_holds_a_slow_reader_back_without_losing_or_reordering(
    make_sku, monkeypatch
):
    monkeypatch.setattr("graphapi.subscriptions.QUEUE_SIZE", 2)
    sku = make_sku("GQL-SLOW", EAST=50)

    async def scenario():
        socket = await open_socket()
        start = await sequence_of(sku.code)
        await subscribe(socket, [sku.code], since={sku.code: start})
        for _ in range(12):
            await hold(lines=[(sku.code, 1)])
        messages = [await next_message(socket) for _ in range(12)]
        assert await socket.receive_nothing(timeout=0.5)
        await socket.disconnect()
        return start, messages

    start, messages = run(scenario)

    assert [m["sequence"] for m in messages] == list(range(start + 1, start + 13))
    assert [m["available"] for m in messages] == list(range(49, 37, -1))


@pytest.mark.parametrize(
    "text",
    [
        "[1, 2]",
        "null",
        "7",
        '{"id": "1", "type": "subscribe", "payload": [1]}',
        '{"id": "1", "type": "subscribe", "payload": null}',
        '{"id": 5, "type": "subscribe", "payload": {"query": "{ __typename }"}}',
        '{"id": ["1"], "type": "complete"}',
        '{"type": 3}',
    ],
)
def test_it_closes_a_socket_on_a_message_that_is_no_protocol_message(make_sku, text):
    """Strawberry's handler failed on these with a TypeError, leaving the
    socket open and silent; graphql-transport-ws closes with 4400."""

    async def scenario():
        socket = await open_socket()
        await socket.send_to(text_data=text)
        closed = await socket.receive_output(timeout=5)
        await socket.wait()
        return closed

    closed = run(scenario)

    assert closed["type"] == "websocket.close"
    assert closed["code"] == 4400


def test_it_refuses_several_operations_without_an_operation_name_on_the_socket(
    make_sku,
):
    sku = make_sku("GQL-LIVE-30", EAST=2)
    document = (
        f'mutation Hold {{ reserve(lines: [{{sku: "{sku.code}", quantity: 1}}])'
        " { id } } query Look { warehouses { code } }"
    )

    async def scenario():
        socket = await open_socket()
        await socket.send_json_to(
            {"id": "1", "type": "subscribe", "payload": {"query": document}}
        )
        frame = await socket.receive_json_from(timeout=5)
        await socket.disconnect()
        return frame

    frame = run(scenario)

    assert frame["type"] == "error"
    assert [e["extensions"]["code"] for e in frame["payload"]] == ["invalid"]
    assert level(sku, "EAST").reserved == 0


def test_it_refuses_an_operation_past_the_sockets_limit_with_a_code(make_sku):
    """Strawberry's own refusal of the 101st operation carried no code."""
    sku = make_sku("GQL-LIVE-31", EAST=2)

    async def scenario():
        socket = await open_socket()
        for number in range(101):
            await socket.send_json_to(
                {
                    "id": str(number),
                    "type": "subscribe",
                    "payload": {
                        "query": SUBSCRIBE,
                        "variables": {"skus": [sku.code]},
                    },
                }
            )
        frame = await socket.receive_json_from(timeout=10)
        await socket.disconnect()
        return frame

    frame = run(scenario)

    assert (frame["id"], frame["type"]) == ("100", "error")
    assert [e["extensions"]["code"] for e in frame["payload"]] == ["invalid"]
