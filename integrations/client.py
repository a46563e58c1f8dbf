"""HTTP calls to addresses staff gave us: endpoints and vendors' feeds.

The host is resolved here and checked address by address, and the
connection goes to the address that passed, so a name that resolves to a
private or loopback address (or starts to, between the check and the
call) never reaches inside our network. Nothing follows redirects, every
call has a deadline, and an answer is read up to a size limit.
"""

import http.client
import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings

USER_AGENT = "OfficeShop-Webhooks/1"


class CallFailed(Exception):
    """The call did not get an answer we can use; ``detail`` says why."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


@dataclass
class Answer:
    status: int
    body: bytes
    headers: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def call(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: dict | None = None,
    timeout: float,
    max_bytes: int,
    status_only: bool = False,
) -> Answer:
    """Make one HTTP call and return its answer, or raise CallFailed.

    ``timeout`` bounds the whole call, connecting and reading included: a
    server that sends its answer a byte at a time is cut off when it runs
    out. With ``status_only``, an answer whose status line came is an
    answer, whatever then goes wrong with its body (a webhook receiver's
    2xx is what counts, not what it says after).
    """
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise CallFailed("the URL's port is not a port number") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CallFailed("the URL must be http:// or https:// with a host")
    deadline = time.monotonic() + timeout
    address = _allowed_address(parts.hostname, port)

    connection = _connection(parts.scheme, parts.hostname, port, address, timeout)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    sent_headers = {"User-Agent": USER_AGENT, **(headers or {})}
    cutoff = threading.Timer(timeout, _cut, args=(connection,))
    cutoff.daemon = True
    cutoff.start()
    response = None
    try:
        connection.request(method, path, body=body, headers=sent_headers)
        response = connection.getresponse()
        data = _read(response, max_bytes, deadline)
    except (OSError, http.client.HTTPException, ssl.SSLError, CallFailed) as error:
        if status_only and response is not None:
            return Answer(response.status, b"", dict(response.getheaders()))
        if time.monotonic() >= deadline:
            raise CallFailed("no answer in time") from None
        if isinstance(error, CallFailed):
            raise
        raise CallFailed(_describe(error)) from None
    finally:
        cutoff.cancel()
        connection.close()
    return Answer(response.status, data, dict(response.getheaders()))


def _cut(connection) -> None:
    """End a call that ran out of time: a read blocked on the socket
    returns at once."""
    sock = connection.sock
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _allowed_address(host: str, port: int) -> str:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise CallFailed(f"{host} could not be resolved") from None
    addresses = [info[4][0] for info in found]
    if settings.WEBHOOK_ALLOW_PRIVATE_URLS:
        return addresses[0]
    for address in addresses:
        if not ipaddress.ip_address(address.split("%")[0]).is_global:
            raise CallFailed(f"{host} resolves to a private or local address")
    return addresses[0]


def _connection(scheme: str, host: str, port: int, address: str, timeout: float):
    if scheme == "https":
        connection = http.client.HTTPSConnection(host, port, timeout=timeout)
    else:
        connection = http.client.HTTPConnection(host, port, timeout=timeout)

    # Connect to the address checked above, not to whatever the name
    # resolves to a moment later; TLS still checks the certificate
    # against the name.
    def connect_checked(_target, timeout=timeout, source=None):
        return socket.create_connection((address, port), timeout, source)

    connection._create_connection = connect_checked
    return connection


def _read(response, max_bytes: int, deadline: float) -> bytes:
    chunks, size = [], 0
    while True:
        if time.monotonic() > deadline:
            raise CallFailed("the answer took too long")
        chunk = response.read1(65536) if hasattr(response, "read1") else b""
        if not chunk:
            break
        size += len(chunk)
        if size > max_bytes:
            raise CallFailed(f"the answer is larger than {max_bytes} bytes")
        chunks.append(chunk)
    if response.length:
        raise CallFailed("the answer ended before its announced length")
    return b"".join(chunks)


def _describe(error: Exception) -> str:
    if isinstance(error, TimeoutError | socket.timeout):
        return "no answer in time"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, http.client.IncompleteRead):
        return "the answer ended before its announced length"
    if isinstance(error, ssl.SSLError):
        return f"TLS failed: {error.reason or error}"
    return f"{type(error).__name__}: {error}"[:300]
