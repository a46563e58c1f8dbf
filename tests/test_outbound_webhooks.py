"""Stock events out: every committed change reaches each endpoint that
wants it, signed, in order per SKU, however often the endpoint fails."""

import contextlib
import json
import socket
import threading
from collections import defaultdict
from datetime import timedelta

import pytest
from django.utils import timezone

from integrations import client, deliveries, signing
from integrations.models import Delivery, DeliveryAttempt, Endpoint
from integrations.services import endpoint_add, endpoint_resume
from inventory import services
from inventory.models import StockEvent
from tests.receivers import receiver
from tests.servers import celery_worker

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def private_urls_allowed(settings):
    # The stand-in endpoints listen on 127.0.0.1.
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    settings.WEBHOOK_RETRY_BASE_SECONDS = 0.05
    settings.WEBHOOK_RETRY_MAX_SECONDS = 0.2
    settings.WEBHOOK_TIMEOUT_SECONDS = 5


def sell(code: str, units: int = 1) -> None:
    services.reservation_create(lines=[(code, units)], actor="test")


def deliver_until(test, *, rounds: int = 400) -> None:
    """Run the beat job's work in this process until ``test()`` holds."""
    for _ in range(rounds):
        deliveries.stock_events_deliver(budget_seconds=5)
        if test():
            return
        threading.Event().wait(0.05)
    raise AssertionError("deliveries did not finish")


def sequences_by_sku(posts) -> dict[str, list[int]]:
    seen = defaultdict(list)
    for post in posts:
        if 200 <= post.status < 300:
            body = json.loads(post.body)
            seen[body["sku_id"]].append(body["sequence"])
    return dict(seen)


def events_after(start: dict[str, int]) -> dict[str, list[int]]:
    expected = defaultdict(list)
    for event in StockEvent.objects.order_by("sku_id", "sequence"):
        code = event.payload["sku_id"]
        if code in start and event.sequence > start[code]:
            expected[code].append(event.sequence)
    return dict(expected)


def current_sequences(*skus) -> dict[str, int]:
    for sku in skus:
        sku.refresh_from_db()
    return {sku.code: sku.sequence for sku in skus}


def test_it_names_the_kind_of_each_change(make_sku):
    sku = make_sku("KIND-1", threshold=2, EAST=4)
    endpoint_add(url="http://127.0.0.1:9/hook")

    sell(sku.code, 1)  # 4 -> 3: still in stock
    sell(sku.code, 2)  # 3 -> 1: low
    sell(sku.code, 1)  # 1 -> 0: out
    services.stock_adjust(
        sku_code=sku.code, warehouse_code="EAST", reason="found", actor="t", delta=5
    )  # 0 -> 5: back

    kinds = list(
        StockEvent.objects.filter(sku=sku, sequence__gt=1)
        .order_by("sequence")
        .values_list("kind", flat=True)
    )
    assert kinds == ["inventory_updated", "low_stock", "out_of_stock", "back_in_stock"]


def test_it_queues_each_event_once_for_the_endpoints_that_want_it(make_sku):
    sku = make_sku("QUEUE-1", threshold=1, EAST=3)
    everything = endpoint_add(url="http://127.0.0.1:9/all")
    outs = endpoint_add(url="http://127.0.0.1:9/outs", events=["out_of_stock"])
    deliveries.stock_events_dispatch()
    Delivery.objects.all().delete()

    sell(sku.code, 1)
    sell(sku.code, 2)
    deliveries.stock_events_dispatch()
    deliveries.stock_events_dispatch()

    assert Delivery.objects.filter(endpoint=everything).count() == 2
    assert list(
        Delivery.objects.filter(endpoint=outs).values_list("kind", flat=True)
    ) == ["out_of_stock"]
    assert not StockEvent.objects.filter(dispatched_at__isnull=True).exists()


def test_it_delivers_every_event_in_order_through_failures(make_sku):
    # The endpoint fails its first four calls, then answers.
    with receiver(lambda n: 500 if n <= 4 else 200) as endpoint:
        hook = endpoint_add(url=endpoint.url)
        chair = make_sku("CHAIR-9", threshold=2, EAST=10)
        desk = make_sku("DESK-9", WEST=4)
        deliveries.stock_events_dispatch()
        Delivery.objects.all().delete()
        start = current_sequences(chair, desk)

        for _ in range(5):
            sell(chair.code)
        sell(desk.code, 3)
        services.stock_adjust(
            sku_code=desk.code,
            warehouse_code="WEST",
            reason="damage",
            actor="t",
            delta=-1,
        )
        expected = events_after(start)
        deliver_until(lambda: sequences_by_sku(endpoint.posts()) == expected)

    posts = endpoint.posts()
    assert sum(1 for p in posts if p.status == 500) == 4
    for post in posts:
        signing.verify(post.headers["X-Signature"], post.body, [hook.secret])
        body = json.loads(post.body)
        assert post.headers["X-Event-Id"] == body["event_id"]
        assert body["kind"] in Endpoint().events
    last = json.loads(posts[-1].body)
    assert set(last) == {
        "event_type",
        "event_id",
        "sku_id",
        "warehouse_id",
        "change",
        "reason",
        "available",
        "status",
        "sequence",
        "timestamp",
        "kind",
    }
    assert Delivery.objects.filter(delivered_at__isnull=True).count() == 0
    assert DeliveryAttempt.objects.count() == len(posts)


def test_it_pauses_an_endpoint_that_fails_for_the_whole_window(settings, make_sku):
    settings.WEBHOOK_RETRY_WINDOW_SECONDS = 0.3
    answers = {"status": 503}
    with receiver(lambda n: answers["status"]) as endpoint:
        hook = endpoint_add(url=endpoint.url)
        sku = make_sku("PAUSE-1", EAST=5)
        deliveries.stock_events_dispatch()
        Delivery.objects.all().delete()
        start = current_sequences(sku)
        sell(sku.code)
        sell(sku.code)

        deliver_until(lambda: not Endpoint.objects.get().active)
        hook.refresh_from_db()
        assert "deliveries failing since" in hook.paused_reason
        assert "answered 503" in hook.paused_reason
        tried = len(endpoint.posts())
        deliveries.stock_events_deliver(budget_seconds=1)
        assert len(endpoint.posts()) == tried

        # Paused, it still collects what happens meanwhile.
        sell(sku.code)
        deliveries.stock_events_dispatch()
        assert Delivery.objects.filter(delivered_at__isnull=True).count() == 3

        answers["status"] = 204
        endpoint_resume(endpoint_id=hook.pk)
        expected = events_after(start)
        deliver_until(lambda: sequences_by_sku(endpoint.posts()) == expected)

    assert Endpoint.objects.get().paused_reason == ""


def test_two_senders_at_once_send_each_delivery_once(make_sku):
    with receiver() as endpoint:
        endpoint_add(url=endpoint.url)
        skus = [make_sku(f"TWO-{n}", EAST=3) for n in range(12)]
        deliveries.stock_events_dispatch()
        Delivery.objects.all().delete()
        for sku in skus:
            sell(sku.code)
        deliveries.stock_events_dispatch()
        assert Delivery.objects.count() == 12

        barrier = threading.Barrier(2)

        def send():
            barrier.wait()
            deliveries.deliveries_send()

        threads = [threading.Thread(target=send) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    event_ids = [p.headers["X-Event-Id"] for p in endpoint.posts()]
    assert len(event_ids) == 12
    assert len(set(event_ids)) == 12


def test_it_refuses_a_name_that_resolves_to_a_private_address(settings, monkeypatch):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    with receiver() as endpoint:
        port = endpoint.url.split(":")[2].split("/")[0]

        def resolve_inside(host, *args, **kwargs):
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

        monkeypatch.setattr(socket, "getaddrinfo", resolve_inside)
        with pytest.raises(client.CallFailed, match="private or local"):
            client.call(
                "POST",
                f"http://erp.example.com:{port}/hook",
                body=b"{}",
                timeout=2,
                max_bytes=100,
            )
    assert endpoint.posts() == []


def test_retry_delays_double_with_jitter_up_to_the_cap(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 10
    settings.WEBHOOK_RETRY_MAX_SECONDS = 3600

    for attempts, ceiling in [(1, 10), (2, 20), (5, 160), (12, 3600), (99, 3600)]:
        delays = {deliveries.retry_delay(attempts) for _ in range(50)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 1


def test_the_default_window_retries_for_at_least_a_day():
    from django.conf import settings as live

    assert live.WEBHOOK_RETRY_WINDOW_SECONDS >= 24 * 3600


def test_a_delivery_claimed_by_a_dead_sender_is_sent_again(make_sku):
    with receiver() as endpoint:
        endpoint_add(url=endpoint.url)
        sku = make_sku("LEASE-1", EAST=3)
        deliveries.stock_events_dispatch()
        Delivery.objects.all().delete()
        sell(sku.code)
        deliveries.stock_events_dispatch()
        Delivery.objects.update(leased_until=timezone.now() + timedelta(seconds=60))
        assert deliveries.deliveries_send() == 0

        Delivery.objects.update(leased_until=timezone.now() - timedelta(seconds=1))
        assert deliveries.deliveries_send() == 1

    assert len(endpoint.posts()) == 1


def test_a_real_worker_delivers_through_failures_and_holds_never_wait(
    tmp_path, make_sku, api
):
    # Given an endpoint that fails twice and then hangs on its next call
    # until the test lets go, and a real Celery worker with beat.
    with receiver(lambda n: 500 if n <= 2 else 200) as endpoint:
        hook = endpoint_add(url=endpoint.url)
        sku = make_sku("REAL-1", EAST=20)
        other = make_sku("REAL-2", WEST=20)
        StockEvent.objects.update(dispatched_at=timezone.now())
        start = current_sequences(sku, other)
        endpoint.hold.set()

        with celery_worker(
            tmp_path,
            WEBHOOK_ALLOW_PRIVATE_URLS="1",
            WEBHOOK_DELIVERY_INTERVAL_SECONDS="0.3",
            WEBHOOK_RETRY_BASE_SECONDS="0.2",
            WEBHOOK_RETRY_MAX_SECONDS="0.5",
        ):
            sell(sku.code)
            assert endpoint.wait_for(lambda r: len(r) >= 1, timeout=60)

            # When holds are made while the worker waits on the endpoint,
            # then every one of them is granted before it answers.
            for _ in range(5):
                reply = api.post(
                    "/api/v1/reservations",
                    {"lines": [{"sku": other.code, "quantity": 1}]},
                    format="json",
                )
                assert reply.status_code == 201, reply.content
            assert not endpoint.release.is_set()
            sell(sku.code, 2)

            endpoint.release.set()
            expected = events_after(start)
            assert endpoint.wait_for(
                lambda r: sequences_by_sku(r) == expected, timeout=90
            ), (sequences_by_sku(endpoint.posts()), expected)

    for post in endpoint.posts():
        signing.verify(post.headers["X-Signature"], post.body, [hook.secret])
    assert sum(len(v) for v in expected.values()) == 7


@contextlib.contextmanager
def raw_server(reply):
    """A TCP server on 127.0.0.1 that answers each connection with
    ``reply(sock)``, for answers no HTTP server library would send."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=reply, args=(conn, stop), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/hook"
    finally:
        stop.set()
        listener.close()


def drip(conn, stop):
    conn.recv(65536)
    conn.sendall(b"HTTP/1.1 200 OK\r\nX-Drip: ")
    while not stop.wait(0.2):
        try:
            conn.sendall(b"a")
        except OSError:
            return


def test_a_server_that_drips_its_answer_runs_out_of_time():
    with raw_server(drip) as url:
        with pytest.raises(client.CallFailed, match="no answer in time"):
            client.call("POST", url, body=b"{}", timeout=1, max_bytes=100)


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc",
        b"HTTP/1.1 204 No Content\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 3000000\r\n\r\n" + b"x" * 3000000,
    ],
)
def test_any_2xx_is_a_delivery_whatever_its_body(make_sku, answer):
    def reply(conn, stop):
        conn.recv(65536)
        try:
            conn.sendall(answer)
        finally:
            conn.close()

    with raw_server(reply) as url:
        endpoint_add(url=url)
        sku = make_sku("BODY-1", EAST=3)
        deliveries.stock_events_dispatch()
        Delivery.objects.all().delete()
        sell(sku.code)
        deliveries.stock_events_dispatch()

        deliveries.deliveries_send()

    delivery = Delivery.objects.get()
    assert delivery.delivered
    assert delivery.last_status in (200, 204)


def test_a_hanging_endpoint_never_holds_up_another(make_sku):
    with receiver() as hanging, receiver() as healthy:
        hanging.hold.set()
        endpoint_add(url=hanging.url)
        # A backlog older than anything the healthy endpoint will wait for.
        backlog = [make_sku(f"LATE-{n}", EAST=5) for n in range(40)]
        for sku in backlog:
            sell(sku.code)
        deliveries.stock_events_dispatch()
        endpoint_add(url=healthy.url)
        skus = [make_sku(f"HANG-{n}", EAST=5) for n in range(3)]
        deliveries.stock_events_dispatch()
        Delivery.objects.filter(sku_code__startswith="HANG-").delete()
        start = current_sequences(*skus)
        for sku in skus:
            sell(sku.code)
            sell(sku.code)
        expected = events_after(start)

        run = threading.Thread(
            target=deliveries.stock_events_deliver, kwargs={"budget_seconds": 30}
        )
        run.start()
        try:
            arrived = healthy.wait_for(
                lambda r: sequences_by_sku(r) == expected, timeout=30
            )
            # A second run while the first is going leaves at once.
            assert deliveries.stock_events_deliver(budget_seconds=5) == 0
        finally:
            hanging.release.set()
            run.join()

    assert arrived
    assert len(hanging.posts()) >= 1


def test_a_change_across_warehouses_tells_its_kind_once(make_sku):
    sku = make_sku("SPREAD-1", EAST=1, WEST=1, SOUTH=1)

    services.reservation_create(lines=[(sku.code, 3)])

    kinds = list(
        StockEvent.objects.filter(sku=sku)
        .order_by("sequence")
        .values_list("kind", flat=True)
    )
    assert kinds[-3:] == ["inventory_updated", "inventory_updated", "out_of_stock"]
