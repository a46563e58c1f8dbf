"""Cached availability: served from Redis, never stale after a commit."""

import threading
import time

import pytest
from django.db import connections

from inventory import selectors, services, stockcache

pytestmark = pytest.mark.postgres


def test_it_serves_repeat_reads_from_the_cache(make_sku, django_assert_num_queries):
    make_sku("CACHE-1", EAST=3)
    selectors.availability_for(["CACHE-1"])

    with django_assert_num_queries(0):
        answer = selectors.availability_for(["CACHE-1"])

    assert answer[0]["available"] == 3


def test_it_never_serves_a_stale_answer_after_the_last_unit_is_taken(make_sku):
    make_sku("CACHE-LAST", WEST=1)
    reads, stop, taken_at = [], threading.Event(), []

    def hammer():
        while not stop.is_set():
            started = time.monotonic()
            answer = selectors.availability_for(["CACHE-LAST"])[0]
            reads.append((started, answer["available"]))
        connections.close_all()

    readers = [threading.Thread(target=hammer) for _ in range(4)]
    for reader in readers:
        reader.start()
    time.sleep(0.3)
    services.reservation_create(lines=[("CACHE-LAST", 1)])
    taken_at.append(time.monotonic())
    time.sleep(0.3)
    stop.set()
    for reader in readers:
        reader.join()

    after = [available for started, available in reads if started > taken_at[0]]
    before = [available for started, available in reads if started < taken_at[0]]
    assert before and set(before) >= {1}
    assert after and set(after) == {0}


def test_it_moves_the_pointer_only_forward(make_sku):
    make_sku("CACHE-2", EAST=2)
    stockcache.sequence_bump({"CACHE-2": 10})
    stockcache.sequence_bump({"CACHE-2": 4})

    assert stockcache.cached_answers(["CACHE-2"]) == {}
    from django.core.cache import cache

    assert cache.get(stockcache._pointer_key("CACHE-2")) == 10
