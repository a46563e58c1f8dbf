"""Events reach sockets across processes, and survive a dead publisher."""

import contextlib
import json
import subprocess
import sys
import time
import urllib.request

import pytest
from websockets.sync.client import connect

from catalog.models import Sku
from inventory.models import StockEvent
from tests.servers import ROOT, asgi_server, server_env

pytestmark = pytest.mark.postgres


def socket_url(base: str) -> str:
    return base.replace("http://", "ws://") + "/ws/inventory/"


@contextlib.contextmanager
def subscribed(base: str, code: str):
    with connect(socket_url(base), open_timeout=10) as socket:
        socket.send(json.dumps({"subscribe": [code]}))
        # The subscription is in place once a later message is answered.
        socket.send(json.dumps({"subscribe": "not a list"}))
        assert json.loads(socket.recv(timeout=5))["event_type"] == "error"
        yield socket


def post_hold(base: str, code: str) -> int:
    body = json.dumps({"lines": [{"sku": code, "quantity": 2}]}).encode()
    request = urllib.request.Request(
        f"{base}/api/v1/reservations",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def test_it_carries_a_change_made_through_one_server_to_a_socket_on_another(
    make_sku,
):
    sku = make_sku("TWO-PROC", EAST=10)
    start = Sku.objects.get(pk=sku.pk).sequence

    with asgi_server() as one, asgi_server() as other:
        with subscribed(other, sku.code) as socket:
            assert post_hold(one, sku.code) == 201
            event = json.loads(socket.recv(timeout=10))

    assert (event["sku_id"], event["sequence"]) == ("TWO-PROC", start + 1)
    assert event["available"] == 8


def test_it_delivers_an_event_whose_publisher_died_after_commit(make_sku):
    sku = make_sku("CRASH-1", WEST=4)
    start = Sku.objects.get(pk=sku.pk).sequence

    with asgi_server(RELAY_GRACE_SECONDS="0.5") as server:
        with subscribed(server, sku.code) as socket:
            died = subprocess.run(
                [sys.executable, "-m", "tests.crash_after_commit", sku.code],
                cwd=ROOT,
                env=server_env(),
                timeout=60,
            )
            unpublished = StockEvent.objects.filter(
                sku=sku, sequence=start + 1, published_at__isnull=True
            ).exists()
            event = json.loads(socket.recv(timeout=10))

    assert died.returncode == 9
    assert unpublished
    assert (event["sequence"], event["available"]) == (start + 1, 3)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if StockEvent.objects.filter(sku=sku, published_at__isnull=True).count() == 0:
            break
        time.sleep(0.1)
    assert not StockEvent.objects.filter(sku=sku, published_at__isnull=True).exists()
