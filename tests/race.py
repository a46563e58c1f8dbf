"""Run callables at the same instant on real threads, each with its own
database connection, and collect what each returned or raised."""

import threading
from collections.abc import Callable

from django.db import connections


def run_together(calls: list[Callable[[], object]], *, timeout: float = 60.0) -> list:
    """Start every call at once; return a result or exception per call."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            results[index] = exc
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=worker, args=(i, c), daemon=True)
        for i, c in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
        if thread.is_alive():
            raise AssertionError("a racing call did not finish in time")
    return results
