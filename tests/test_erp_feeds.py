"""ERP feeds: pulled on a schedule from a real local server, applied
whole or not at all, with retries and a circuit breaker."""

import json
import logging
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from integrations import tasks
from integrations.feeds import feed_add, feed_pull, feeds_due, retry_delay
from integrations.models import Feed, FeedRun
from integrations.services import vendor_add
from inventory import services
from inventory.errors import InvalidRequest
from officeshop.celery import app as celery_app
from tests.conftest import level
from tests.ports import closed_port
from tests.race import run_together

pytestmark = pytest.mark.postgres


class FeedServer:
    """A vendor's feed on 127.0.0.1 that the test switches between
    down, slow, cut short and serving a given file."""

    def __init__(self):
        self.port = closed_port()
        self.url = f"http://127.0.0.1:{self.port}/stock"
        self.requests = 0
        self.serve(b"[]")
        self._server = None

    def serve(self, body, *, status=200, delay=0.0, announce=None, kind=None):
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        # One tuple, read whole by each request, so a switch never mixes.
        self.answer = (body, status, delay, announce, kind or "application/json")

    def start(self):
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                owner.requests += 1
                body, status, delay, announce, kind = owner.answer
                time.sleep(delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(announce or len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    # A slow answer finds the shop gone; that is the point.
                    pass

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@pytest.fixture
def server():
    feed_server = FeedServer()
    yield feed_server
    feed_server.stop()


@pytest.fixture
def running(server):
    server.start()
    return server


@pytest.fixture(autouse=True)
def vendor(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    settings.FEED_RETRY_SECONDS = 30
    settings.FEED_BREAKER_FAILURES = 5
    settings.FEED_BREAKER_COOLDOWN_SECONDS = 600
    return vendor_add(code="acme", secret="acme-secret-for-tests-0001")


@pytest.fixture
def eager_tasks():
    # The app reads Django's settings under the CELERY_ namespace, so the
    # key must carry it to take effect.
    before = celery_app.conf.task_always_eager
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = True
    yield
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = before


def a_feed(server, fmt="json", **options) -> Feed:
    options.setdefault("timeout_seconds", 0.5)
    return feed_add(vendor_code="acme", url=server.url, format=fmt, **options)


def time_passes(feed) -> None:
    """Make the feed's next pull due, as if its wait were over."""
    Feed.objects.filter(pk=feed.pk).update(next_run_at=timezone.now())


def cooldown_passes(feed) -> None:
    past = timezone.now() - timedelta(seconds=1)
    Feed.objects.filter(pk=feed.pk).update(open_until=past, next_run_at=past)


def pull(feed) -> FeedRun | None:
    return feed_pull(feed_id=feed.pk)


def counts(*lines, at=None):
    body = [{"sku": s, "warehouse": w, "on_hand": n} for s, w, n in lines]
    return body if at is None else {"occurred_at": at, "lines": body}


def figures(sku):
    return (level(sku, "EAST").on_hand, level(sku, "WEST").on_hand)


def test_it_rides_out_a_feed_that_is_down_then_slow_then_bad_then_good(
    make_sku, server
):
    sku = make_sku("ERP-1", EAST=5, WEST=7)
    feed = a_feed(server, interval_seconds=900)

    down = pull(feed)
    feed.refresh_from_db()
    first_wait = feed.next_run_at - down.finished_at

    assert (down.outcome, down.http_status, down.error) == (
        "failed",
        None,
        "connection refused",
    )
    assert timedelta(seconds=15) <= first_wait <= timedelta(seconds=30)
    assert pull(feed) is None
    assert figures(sku) == (5, 7)

    server.start()
    server.serve(counts(("ERP-1", "EAST", 60)), delay=1.5)
    time_passes(feed)
    slow = pull(feed)
    feed.refresh_from_db()
    second_wait = feed.next_run_at - slow.finished_at

    assert (slow.outcome, slow.error) == ("failed", "no answer in time")
    assert timedelta(seconds=30) <= second_wait <= timedelta(seconds=60)
    assert figures(sku) == (5, 7)

    server.serve(b"<html>Down for maintenance</html>", kind="text/html")
    time_passes(feed)
    bad = pull(feed)
    feed.refresh_from_db()
    third_wait = feed.next_run_at - bad.finished_at

    assert (bad.outcome, bad.http_status, bad.error) == (
        "refused",
        200,
        "the feed is not JSON",
    )
    assert timedelta(seconds=60) <= third_wait <= timedelta(seconds=120)
    assert (feed.consecutive_failures, feed.circuit()) == (3, "closed")
    assert figures(sku) == (5, 7)

    server.serve(counts(("ERP-1", "EAST", 80), ("ERP-1", "WEST", 3)))
    time_passes(feed)
    good = pull(feed)
    feed.refresh_from_db()

    assert (good.outcome, good.lines, good.applied, good.stale) == (
        "applied",
        2,
        2,
        0,
    )
    assert figures(sku) == (80, 3)
    assert (feed.consecutive_failures, feed.open_until) == (0, None)
    assert feed.last_success_at == good.finished_at
    assert feed.next_run_at == good.finished_at + timedelta(seconds=900)
    assert list(
        FeedRun.objects.order_by("started_at").values_list("outcome", "applied")
    ) == [("failed", 0), ("failed", 0), ("refused", 0), ("applied", 2)]
    assert server.requests == 3


def test_it_opens_the_circuit_and_calls_nobody_while_it_is_open(
    make_sku, running, settings, caplog
):
    settings.FEED_BREAKER_FAILURES = 3
    caplog.set_level(logging.INFO, logger="integrations.feeds")
    sku = make_sku("ERP-2", EAST=5)
    feed = a_feed(running)
    running.serve(b"busy", status=503)

    for _ in range(3):
        time_passes(feed)
        pull(feed)
    feed.refresh_from_db()

    assert running.requests == 3
    assert feed.circuit() == "open"
    assert feed.next_run_at == feed.open_until
    last = FeedRun.objects.order_by("-started_at").first()
    assert feed.open_until == last.finished_at + timedelta(seconds=600)
    assert list(
        FeedRun.objects.order_by("started_at").values_list(
            "outcome", "http_status", "opened_circuit"
        )
    ) == [("failed", 503, False), ("failed", 503, False), ("failed", 503, True)]
    assert "circuit open until" in caplog.text

    running.serve(counts(("ERP-2", "EAST", 40)))
    time_passes(feed)

    assert [pull(feed) for _ in range(3)] == [None, None, None]
    assert feeds_due() == []
    assert running.requests == 3
    assert FeedRun.objects.count() == 3
    assert level(sku).on_hand == 5

    cooldown_passes(feed)
    feed.refresh_from_db()

    assert feed.circuit() == "half-open"
    assert feeds_due() == [feed.pk]

    trial = pull(feed)
    feed.refresh_from_db()

    assert (trial.outcome, trial.applied) == ("applied", 1)
    assert (feed.circuit(), feed.consecutive_failures) == ("closed", 0)
    assert running.requests == 4
    assert level(sku).on_hand == 40
    assert "circuit closed" in caplog.text


def test_it_opens_the_circuit_again_when_the_trial_pull_fails(running, settings):
    settings.FEED_BREAKER_FAILURES = 2
    feed = a_feed(running)
    running.serve(b"still broken", status=500)
    for _ in range(2):
        time_passes(feed)
        pull(feed)

    cooldown_passes(feed)
    trial = pull(feed)
    feed.refresh_from_db()

    assert (trial.outcome, trial.opened_circuit) == ("failed", True)
    assert (feed.circuit(), feed.consecutive_failures) == ("open", 3)
    assert feed.open_until == trial.finished_at + timedelta(seconds=600)
    time_passes(feed)
    assert pull(feed) is None
    assert running.requests == 3


def test_it_applies_nothing_from_a_download_cut_short(make_sku, running):
    sku = make_sku("ERP-3", EAST=5)
    feed = a_feed(running)
    whole = json.dumps(counts(("ERP-3", "EAST", 70))).encode()
    # The body sent is good JSON; only the announced length says it is cut.
    running.serve(whole, announce=len(whole) + 50)

    run = pull(feed)

    assert (run.outcome, run.error) == (
        "failed",
        "the answer ended before its announced length",
    )
    assert level(sku).on_hand == 5


def test_it_applies_a_csv_feed_with_its_columns_in_any_order(make_sku, running):
    sku = make_sku("ERP-4", EAST=5, WEST=7)
    feed = a_feed(running, "csv")
    running.serve(
        b"\xef\xbb\xbfwarehouse, sku, on_hand\r\n"
        b"EAST, ERP-4, 12\r\n"
        b"\r\n"
        b"WEST,ERP-4,0\r\n",
        kind="text/csv",
    )

    run = pull(feed)

    assert (run.outcome, run.lines, run.applied) == ("applied", 2, 2)
    assert figures(sku) == (12, 0)


@pytest.mark.parametrize(
    ("fmt", "body", "error"),
    [
        (
            "json",
            json.dumps(
                counts(
                    ("ERP-5", "EAST", 12),
                    ("ERP-5", "WEST", 1.5),
                    ("NOPE", "EAST", 3),
                )
            ).encode(),
            "2 problems, nothing applied: "
            "line 1 on_hand 1.5: must be a whole number from 0; "
            "line 2 sku 'NOPE': unknown SKU",
        ),
        (
            "csv",
            b"sku,warehouse,on_hand\nERP-5,EAST,12\nERP-5,WEST,1.5\nNOPE,EAST,3\n",
            "2 problems, nothing applied: "
            "line 1 on_hand '1.5': must be a whole number from 0; "
            "line 2 sku 'NOPE': unknown SKU",
        ),
    ],
)
def test_it_names_a_bad_figure_and_an_unknown_sku_and_applies_nothing(
    make_sku, running, fmt, body, error
):
    sku = make_sku("ERP-5", EAST=5, WEST=7)
    feed = a_feed(running, fmt)
    running.serve(body)

    run = pull(feed)

    assert (run.outcome, run.lines, run.applied, run.error) == (
        "refused",
        3,
        0,
        error,
    )
    assert [(e["line"], e["field"]) for e in run.errors] == [
        (1, "on_hand"),
        (2, "sku"),
    ]
    assert figures(sku) == (5, 7)


@pytest.mark.parametrize(
    ("fmt", "body", "outcome", "error"),
    [
        ("json", b"[]", "refused", "the feed has no lines"),
        ("json", b"", "refused", "the feed is not JSON"),
        ("json", b'[{"sku": "ERP-6", "warehouse": "EAST", "on_h', "refused", "JSON"),
        ("json", b'{"items": []}', "refused", "a JSON feed is a list of lines"),
        ("csv", b"sku,warehouse\nERP-6,EAST\n", "refused", "the CSV's first row"),
        ("csv", b"sku,warehouse,on_hand\nERP-6,EAST,9,1\n", "refused", "has 4"),
        ("csv", b"sku,warehouse,on_hand\nERP-6,EAST\n", "refused", "is missing"),
        ("csv", b"sku,warehouse,on_hand\n\xff\xfe,EAST,1\n", "refused", "UTF-8"),
        ("json", b"[" + b"1," * 300 + b"1]", "failed", "larger than 500 bytes"),
        ("json", json.dumps(counts(*[("ERP-6", "EAST", 1)] * 4)), "refused", "4 lines"),
    ],
)
def test_it_applies_nothing_from_a_bad_file(
    make_sku, running, settings, fmt, body, outcome, error
):
    settings.FEED_MAX_BYTES = 500
    settings.FEED_MAX_LINES = 3
    sku = make_sku("ERP-6", EAST=5)
    feed = a_feed(running, fmt)
    running.serve(body.encode() if isinstance(body, str) else body)

    run = pull(feed)

    assert run.outcome == outcome
    assert error in run.error
    assert level(sku).on_hand == 5


def test_it_keeps_holds_under_a_count_and_skips_an_older_count(make_sku, running):
    sku = make_sku("ERP-7", EAST=40)
    services.reservation_create(lines=[(sku.code, 29)])
    feed = a_feed(running)

    running.serve(counts(("ERP-7", "EAST", 80), at="2026-12-04T10:00:00Z"))
    newer = pull(feed)
    running.serve(counts(("ERP-7", "EAST", 10), at="2026-12-04T09:00:00Z"))
    time_passes(feed)
    older = pull(feed)

    east = level(sku)
    assert (east.on_hand, east.reserved, east.available) == (80, 29, 51)
    assert (newer.outcome, newer.applied, newer.stale) == ("applied", 1, 0)
    assert (older.outcome, older.applied, older.stale) == ("stale", 0, 1)


def test_it_dates_a_count_without_a_time_by_when_it_was_fetched(make_sku, running):
    sku = make_sku("ERP-8", EAST=5)
    feed = a_feed(running)
    running.serve(counts(("ERP-8", "EAST", 6)))

    run = pull(feed)

    assert level(sku).counted_at == run.started_at


def test_it_applies_a_feed_of_thousands_of_lines_whole_or_not_at_all(make_sku, running):
    skus = [make_sku(f"ERP-9{n}") for n in range(3)]
    places = [(s.code, w) for s in skus for w in ("CENTRAL", "EAST", "SOUTH", "WEST")]
    lines = [(*places[n % 12], n) for n in range(1500)]
    feed = a_feed(running)

    running.serve(counts(*lines[:-1], (lines[-1][0], "MOON", 1)))
    refused = pull(feed)

    assert (refused.outcome, refused.lines, refused.error) == (
        "refused",
        1500,
        "1 problem, nothing applied: line 1499 warehouse 'MOON': unknown warehouse",
    )
    assert level(skus[0], "CENTRAL").on_hand == 0

    running.serve(counts(*lines))
    time_passes(feed)
    applied = pull(feed)

    assert (applied.outcome, applied.applied) == ("applied", 1500)
    # The last line for each place wins: 1488 to 1499.
    assert level(skus[0], "CENTRAL").on_hand == 1488
    assert level(skus[2], "WEST").on_hand == 1499


def test_it_pulls_once_when_the_task_runs_twice_at_once(make_sku, running):
    sku = make_sku("ERP-10", EAST=5)
    feed = a_feed(running)
    running.serve(counts(("ERP-10", "EAST", 9)), delay=0.2)

    answers = run_together([lambda: tasks.feed_pull(feed.pk) for _ in range(2)])

    assert sorted(answers) == ["applied", "not pulled"]
    assert tasks.feed_pull(feed.pk) == "not pulled"
    assert running.requests == 1
    assert FeedRun.objects.count() == 1
    assert level(sku).on_hand == 9


def test_it_pulls_only_due_active_feeds_from_the_beat_job(
    make_sku, running, eager_tasks
):
    make_sku("ERP-11", EAST=5)
    due = a_feed(running)
    later = a_feed(running)
    Feed.objects.filter(pk=later.pk).update(
        next_run_at=timezone.now() + timedelta(minutes=5)
    )
    off = a_feed(running)
    Feed.objects.filter(pk=off.pk).update(active=False)
    running.serve(counts(("ERP-11", "EAST", 6)))

    queued = tasks.feeds_pull_due()

    assert queued == 1
    assert list(FeedRun.objects.values_list("feed", "outcome")) == [(due.pk, "applied")]
    assert running.requests == 1


def test_it_doubles_the_wait_after_each_failure_up_to_the_interval(settings):
    settings.FEED_RETRY_SECONDS = 30

    def waits(rand):
        return [retry_delay(failures=n, interval=900, rand=rand) for n in range(1, 8)]

    assert waits(lambda: 1.0) == [30, 60, 120, 240, 480, 900, 900]
    assert waits(lambda: 0.0) == [15, 30, 60, 120, 240, 450, 450]


def test_it_refuses_a_feed_at_a_private_address_unless_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False

    with pytest.raises(InvalidRequest, match="private or local"):
        feed_add(vendor_code="acme", url="http://10.0.0.8/stock", format="json")
    with pytest.raises(InvalidRequest):
        feed_add(vendor_code="acme", url="https://erp.example.com/s", format="xml")
    assert Feed.objects.count() == 0


def test_it_pulls_from_the_command_and_fails_loudly(make_sku, running, capsys):
    sku = make_sku("ERP-12", EAST=5)
    a_feed(running)
    running.serve(counts(("ERP-12", "EAST", 8)))

    call_command("feed_pull", "acme")
    running.serve(b"nope", status=404)

    assert capsys.readouterr().out.endswith("applied, 1 lines, 1 applied, 0 stale\n")
    assert level(sku).on_hand == 8
    with pytest.raises(CommandError, match="1 of 1 feeds were not pulled"):
        call_command("feed_pull", "acme")
    assert "the feed answered HTTP 404" in capsys.readouterr().err
    with pytest.raises(CommandError, match="no vendor 'nobody'"):
        call_command("feed_pull", "nobody")


def test_it_shows_feeds_and_runs_in_the_admin_read_only(
    make_sku, running, admin_client, eager_tasks, settings
):
    settings.FEED_BREAKER_FAILURES = 1
    sku = make_sku("ERP-13", EAST=5)
    feed = a_feed(running)
    running.serve(b"gone", status=410)
    pull(feed)
    feeds_url = reverse("admin:integrations_feed_changelist")
    runs_url = reverse("admin:integrations_feedrun_changelist")
    run = FeedRun.objects.get()

    page = admin_client.get(feeds_url).content.decode()
    failed = admin_client.get(runs_url, {"outcome__exact": "failed"})
    applied = admin_client.get(runs_url, {"outcome__exact": "applied"})
    change = admin_client.post(
        reverse("admin:integrations_feedrun_change", args=[run.pk]), {"error": "x"}
    )

    assert '<td class="field-circuit">open</td>' in page
    assert '<td class="field-last_outcome">failed</td>' in page
    assert "the feed answered HTTP 410" in failed.content.decode()
    assert "the feed answered HTTP 410" not in applied.content.decode()
    assert (
        admin_client.get(reverse("admin:integrations_feedrun_add")).status_code == 403
    )
    assert change.status_code == 403
    assert FeedRun.objects.get().error == "the feed answered HTTP 410"

    running.serve(counts(("ERP-13", "EAST", 7)))
    admin_client.post(feeds_url, {"action": "resume", "_selected_action": [feed.pk]})
    feed.refresh_from_db()

    assert (feed.circuit(), feed.consecutive_failures) == ("closed", 0)

    admin_client.post(feeds_url, {"action": "pull_now", "_selected_action": [feed.pk]})

    assert level(sku).on_hand == 7
    assert FeedRun.objects.latest("started_at").outcome == "applied"


def test_it_checks_the_address_when_staff_add_a_feed(admin_client, vendor, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    fields = {
        "vendor": vendor.pk,
        "url": "http://192.168.1.5/stock.csv",
        "format": "csv",
        "interval_seconds": 900,
        "timeout_seconds": 10,
        "active": "on",
    }

    refused = admin_client.post(reverse("admin:integrations_feed_add"), fields)
    fields["url"] = "https://erp.example.com/stock.csv"
    added = admin_client.post(reverse("admin:integrations_feed_add"), fields)

    assert "is a private or local address" in refused.content.decode()
    assert added.status_code == 302
    assert Feed.objects.get().url == "https://erp.example.com/stock.csv"


def test_it_forgets_runs_past_their_history(running):
    feed = a_feed(running)
    pull(feed)
    FeedRun.objects.update(started_at=timezone.now() - timedelta(days=31))
    time_passes(feed)
    pull(feed)

    assert tasks.feed_runs_prune() == 1
    assert FeedRun.objects.count() == 1
