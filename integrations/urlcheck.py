"""Which addresses the shop will send stock events to.

Only http and https, and no private, loopback, link-local or otherwise
internal address unless WEBHOOK_ALLOW_PRIVATE_URLS is on (tests turn it
on to reach their own servers on 127.0.0.1). Names are checked as written;
Limitation: a public name that resolves to a private address is not
caught here, and must be checked again when a delivery connects.
"""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings

from inventory.errors import InvalidRequest

INTERNAL_NAMES = ("localhost", ".localhost", ".local", ".internal", ".lan")


def endpoint_url_check(url: str) -> str:
    """Return ``url`` if events may be sent there, else refuse it."""
    if not isinstance(url, str) or not 0 < len(url) <= 500:
        raise InvalidRequest("the URL must be at most 500 characters")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidRequest("the URL must be http:// or https:// with a host")
    if parts.username or parts.password:
        raise InvalidRequest("the URL must not carry credentials")
    if not settings.WEBHOOK_ALLOW_PRIVATE_URLS and _internal(parts.hostname):
        raise InvalidRequest(f"{parts.hostname} is a private or local address")
    return url


def _internal(host: str) -> bool:
    name = host.lower().rstrip(".")
    if name == "localhost" or name.endswith(INTERNAL_NAMES[1:]):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    return not address.is_global
