"""The shop's webhook signature: ``X-Signature: t=UNIX_SECONDS,v1=HEX``.

HEX is HMAC-SHA256 of ``"{t}.{raw body}"`` under a shared secret. Inbound
vendor calls and outbound stock events are signed the same way.
"""

import hashlib
import hmac
import time
from collections.abc import Iterable

# How far a signature's time may stand from the server's clock, either way.
TOLERANCE_SECONDS = 300
MAX_HEADER_LENGTH = 1024


class SignatureError(Exception):
    """The request is not signed by a secret we hold, or not recently."""


def sign(body: bytes, secret: str, *, at: int | None = None) -> str:
    """Return the X-Signature header value for ``body``."""
    stamp = int(time.time()) if at is None else at
    return f"t={stamp},v1={_digest(body, secret, stamp)}"


def verify(
    header: str | None,
    body: bytes,
    secrets: Iterable[str],
    *,
    now: float | None = None,
) -> None:
    """Accept ``header`` if one of ``secrets`` signed ``body`` within the
    tolerance, else raise SignatureError.

    Every candidate is compared in constant time, and all of them are
    tried, so the answer's timing tells nothing about which came close.
    """
    stamp, offered = _parse(header)
    now = time.time() if now is None else now
    if abs(now - stamp) > TOLERANCE_SECONDS:
        raise SignatureError("the signature's time is too far from ours")

    matched = False
    for secret in secrets:
        expected = _digest(body, secret, stamp)
        for candidate in offered:
            matched |= hmac.compare_digest(expected, candidate)
    if not matched:
        raise SignatureError("the signature does not match")


def _digest(body: bytes, secret: str, stamp: int) -> str:
    message = str(stamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _parse(header: str | None) -> tuple[int, list[str]]:
    if not header or len(header) > MAX_HEADER_LENGTH:
        raise SignatureError("the X-Signature header is missing")
    stamp, offered = None, []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isascii() and value.isdigit() and len(value) <= 12:
            stamp = int(value)
        elif key == "v1" and value:
            # compare_digest refuses non-ASCII text with a TypeError.
            if not value.isascii():
                raise SignatureError("the X-Signature header is malformed")
            offered.append(value)
    if stamp is None or not offered:
        raise SignatureError("the X-Signature header is malformed")
    return stamp, offered
