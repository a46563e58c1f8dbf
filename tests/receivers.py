"""A real HTTP server on 127.0.0.1 standing in for a partner's endpoint:
it records every request and answers as the test tells it to."""

import contextlib
import http.server
import threading
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes
    status: int


class Receiver:
    """Answer each POST with ``answer(n)`` (n counts from 1), or hold it
    until ``release`` is set while ``hold`` is set."""

    def __init__(self, answer: Callable[[int], int] = lambda n: 200):
        self.answer = answer
        self.received: list[Received] = []
        self.arrived = threading.Condition()
        self.hold = threading.Event()
        self.release = threading.Event()
        self.url = ""

    def posts(self) -> list[Received]:
        with self.arrived:
            return list(self.received)

    def wait_for(self, test: Callable[[list[Received]], bool], timeout: float) -> bool:
        """Return whether ``test(received)`` came true within ``timeout``."""
        with self.arrived:
            return self.arrived.wait_for(lambda: test(self.received), timeout)

    def _handle(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length)
        with self.arrived:
            number = len(self.received) + 1
            status = self.answer(number)
            self.received.append(
                Received(handler.path, dict(handler.headers), body, status)
            )
            self.arrived.notify_all()
        if self.hold.is_set():
            self.release.wait(60)
        handler.send_response(status)
        handler.send_header("Content-Length", "2")
        handler.end_headers()
        handler.wfile.write(b"ok")


@contextlib.contextmanager
def receiver(answer: Callable[[int], int] = lambda n: 200):
    """Run a Receiver on a free local port; yield it with its ``url``."""
    recv = Receiver(answer)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            recv._handle(self)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    recv.url = f"http://127.0.0.1:{server.server_address[1]}/stock-events"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield recv
    finally:
        recv.release.set()
        server.shutdown()
        server.server_close()
