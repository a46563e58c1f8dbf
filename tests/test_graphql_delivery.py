"""GraphQL over real servers: a hold made through one process reaches a
subscription on another, and a dropped subscription resumes with since."""

import contextlib
import json
import subprocess
import sys
import urllib.request

import pytest
from websockets.sync.client import connect

from catalog.models import Sku
from tests.servers import ROOT, asgi_server, server_env

pytestmark = pytest.mark.postgres

SUBSCRIBE = """subscription($skus: [String!]!, $since: [SinceInput!]) {
  inventoryUpdated(skus: $skus, since: $since) { skuId sequence available }
}"""
RESERVE = """mutation($sku: String!) {
  reserve(lines: [{sku: $sku, quantity: 2}]) { id lines { quantity } }
}"""


def graphql_post(base: str, document: str, variables: dict) -> dict:
    body = json.dumps({"query": document, "variables": variables}).encode()
    request = urllib.request.Request(
        f"{base}/graphql/", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@contextlib.contextmanager
def subscription(base: str, code: str, since: int | None = None):
    url = base.replace("http://", "ws://") + "/graphql/"
    variables = {"skus": [code]}
    if since is not None:
        variables["since"] = [{"sku": code, "sequence": since}]
    with connect(url, subprotocols=["graphql-transport-ws"], open_timeout=10) as ws:
        ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(ws.recv(timeout=5))["type"] == "connection_ack"
        ws.send(
            json.dumps(
                {
                    "id": "s",
                    "type": "subscribe",
                    "payload": {"query": SUBSCRIBE, "variables": variables},
                }
            )
        )
        yield ws


def next_message(ws) -> dict:
    frame = json.loads(ws.recv(timeout=10))
    assert frame["type"] == "next", frame
    return frame["payload"]["data"]["inventoryUpdated"]


def test_it_carries_a_graphql_hold_on_one_server_to_a_subscription_on_another(
    make_sku,
):
    sku = make_sku("GQL-TWO-PROC", EAST=10)
    start = Sku.objects.get(pk=sku.pk).sequence

    with asgi_server() as one, asgi_server() as other:
        # With since, the event comes whether the hold commits before or
        # after the subscription has joined its group.
        with subscription(other, sku.code, since=start) as ws:
            answer = graphql_post(one, RESERVE, {"sku": sku.code})
            event = next_message(ws)

        # Dropped; two more holds; back with since: exactly those two.
        graphql_post(one, RESERVE, {"sku": sku.code})
        graphql_post(one, RESERVE, {"sku": sku.code})
        with subscription(other, sku.code, since=event["sequence"]) as ws:
            missed = [next_message(ws), next_message(ws)]

    assert answer["data"]["reserve"]["lines"] == [{"quantity": 2}]
    assert event == {"skuId": "GQL-TWO-PROC", "sequence": start + 1, "available": 8}
    assert [(m["sequence"], m["available"]) for m in missed] == [
        (start + 2, 6),
        (start + 3, 4),
    ]


def test_it_delivers_an_event_whose_publisher_died_after_commit(make_sku):
    sku = make_sku("GQL-CRASH", WEST=4)
    start = Sku.objects.get(pk=sku.pk).sequence

    with asgi_server(RELAY_GRACE_SECONDS="0.5") as server:
        with subscription(server, sku.code, since=start) as ws:
            died = subprocess.run(
                [sys.executable, "-m", "tests.crash_after_commit", sku.code],
                cwd=ROOT,
                env=server_env(),
                timeout=60,
            )
            event = next_message(ws)

    assert died.returncode == 9
    assert event == {"skuId": "GQL-CRASH", "sequence": start + 1, "available": 3}
