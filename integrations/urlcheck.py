"""Which addresses the shop will send stock events to.

Only http and https, and no private, loopback, link-local or otherwise
internal address unless WEBHOOK_ALLOW_PRIVATE_URLS is on (tests turn it
on to reach their own servers on 127.0.0.1). Names and addresses are
checked as written here, old IPv4 shorthands included; a name that
resolves to a private address is caught when a call connects
(integrations.client).
"""

import ipaddress
import re
import socket
from urllib.parse import urlsplit

from django.conf import settings

from inventory.errors import InvalidRequest

INTERNAL_NAMES = ("localhost", ".localhost", ".local", ".internal", ".lan")


def endpoint_url_check(url: str) -> str:
    """Return ``url`` if events may be sent there, else refuse it."""
    if not isinstance(url, str) or not 0 < len(url) <= 500:
        raise InvalidRequest("the URL must be at most 500 characters")
    if not url.isascii() or any(c.isspace() or not c.isprintable() for c in url):
        raise InvalidRequest(
            "the URL must be plain ASCII with no spaces: percent-encode the "
            "rest, and write an international name in its xn-- form"
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidRequest("the URL must be http:// or https:// with a host")
    if parts.username or parts.password:
        raise InvalidRequest("the URL must not carry credentials")
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port is not None and not 1 <= port <= 65535:
        raise InvalidRequest("the URL's port must be from 1 to 65535")
    if not _HOST.fullmatch(parts.hostname) and not _bracketed(parts.netloc):
        raise InvalidRequest(f"{parts.hostname!r} is not a host name")
    if not settings.WEBHOOK_ALLOW_PRIVATE_URLS and _internal(parts.hostname):
        raise InvalidRequest(f"{parts.hostname} is a private or local address")
    return url


# Letters, digits, hyphens and dots: a DNS name or a dotted address.
_HOST = re.compile(r"[a-z0-9]([a-z0-9-]{0,62}\.?)*", re.IGNORECASE)


def _bracketed(netloc: str) -> bool:
    # An IPv6 literal, written [..] in a URL.
    host = netloc.rpartition("@")[2]
    return host.startswith("[") and "]" in host


def _internal(host: str) -> bool:
    name = host.lower().rstrip(".")
    if name == "localhost" or name.endswith(INTERNAL_NAMES[1:]):
        return True
    address = _as_address(name)
    return address is not None and not address.is_global


def _as_address(name: str):
    """Return the address ``name`` stands for if it is one, including the
    old shorthands a resolver still reads as IPv4 (127.1, 2130706433,
    0x7f000001, 0177.0.0.1)."""
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        pass
    if re.fullmatch(r"[0-9a-fx.]+", name) and not re.search(r"[g-wyz]", name):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(name))
        except (OSError, ValueError):
            return None
    return None
