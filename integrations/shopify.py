"""Shopify's ``inventory_levels/update`` webhook, checked and turned into
one ``stock.snapshot`` line.

Shopify signs the raw body alone: ``X-Shopify-Hmac-Sha256`` is the base64
of its HMAC-SHA256 under the shared secret. The payload names an inventory
item and a location by Shopify's ids; the vendor's mapping, edited in the
admin, turns them into a SKU and a warehouse. Nothing here changes stock.
"""

import base64
import hashlib
import hmac
from collections.abc import Iterable
from datetime import datetime

from inventory.errors import InvalidRequest
from inventory.movements import MAX_FIGURE
from inventory.text import is_plain_text
from inventory.vendor_sync import SNAPSHOT

from .inbound import (
    EARLIEST_YEAR,
    LATEST_YEAR,
    MAX_EVENT_ID,
    RESERVED_PREFIXES,
    moment_check,
)
from .jsonbody import json_loads
from .models import ShopifyItem, ShopifyLocation, Vendor
from .signing import SignatureError

TOPIC = "inventory_levels/update"
# Kept apart from the ids a vendor gives its own events on /inventory.
EVENT_PREFIX = RESERVED_PREFIXES[0]
MAX_WEBHOOK_ID = MAX_EVENT_ID - len(EVENT_PREFIX)
# The largest id PostgreSQL's bigint holds; Shopify's ids are 64-bit.
MAX_SHOPIFY_ID = 2**63 - 1
# A base64 SHA-256 digest is 44 characters; anything far longer is junk.
MAX_HMAC_HEADER = 128


class Unmapped(InvalidRequest):
    """The payload names an id the vendor has not mapped in the admin."""

    code = "unmapped"


def verify(header: str | None, body: bytes, secrets: Iterable[str]) -> None:
    """Accept ``header`` if one of ``secrets`` signed ``body``, else raise
    SignatureError.

    Every secret is tried and compared in constant time, so the answer's
    timing tells nothing about which came close.

    Limitation: Shopify's signature carries no time, so a captured request
    sent again under a new webhook id is accepted; it can only set a count
    Shopify itself sent, and is stale once a newer one has been applied.
    """
    if not header or len(header) > MAX_HMAC_HEADER or not header.isascii():
        raise SignatureError("the X-Shopify-Hmac-Sha256 header is missing")
    offered = header.encode("ascii")

    matched = False
    for secret in secrets:
        digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
        matched |= hmac.compare_digest(base64.b64encode(digest), offered)
    if not matched:
        raise SignatureError("the Shopify signature does not match")


def sign(body: bytes, secret: str) -> str:
    """Return the X-Shopify-Hmac-Sha256 header value for ``body``."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def level_update_event(
    raw: bytes,
    *,
    vendor: Vendor,
    webhook_id: str | None,
    topic: str | None = None,
) -> dict:
    """Return ``{event_id, kind, occurred_at, lines}`` for the inbox, or
    raise InvalidRequest (Unmapped for an id with no mapping).

    Shopify's ``available`` becomes the mapped level's on_hand; a negative
    one (oversold in Shopify) counts as nothing on hand.
    """
    if not is_plain_text(webhook_id, max_length=MAX_WEBHOOK_ID):
        raise InvalidRequest(
            "the X-Shopify-Webhook-Id header must be a printable id of at "
            f"most {MAX_WEBHOOK_ID} characters"
        )
    if topic is not None and topic != TOPIC:
        raise InvalidRequest(f"this address takes the {TOPIC} topic only")
    payload = _checked(_json_object(raw))
    sku, warehouse = _mapped_place(
        vendor, payload["inventory_item_id"], payload["location_id"]
    )

    line = {
        "sku": sku,
        "warehouse": warehouse,
        "on_hand": max(payload["available"], 0),
    }
    return {
        "event_id": EVENT_PREFIX + webhook_id,
        "kind": SNAPSHOT,
        "occurred_at": payload["updated_at"],
        "lines": [line],
    }


def _json_object(raw: bytes) -> dict:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidRequest("the body is not JSON") from None
    body = json_loads(text)
    if not isinstance(body, dict):
        raise InvalidRequest("the body must be a JSON object")
    return body


def _checked(body: dict) -> dict:
    """Return the four fields the shop reads, or refuse naming each bad
    one; any other field Shopify sends is ignored."""
    checks = {
        "inventory_item_id": (_shopify_id, "a whole number from 1"),
        "location_id": (_shopify_id, "a whole number from 1"),
        "available": (
            _figure,
            f"a whole number from {-MAX_FIGURE:,} to {MAX_FIGURE:,}",
        ),
        "updated_at": (
            _moment,
            "an ISO 8601 time with its zone, between "
            f"{EARLIEST_YEAR} and {LATEST_YEAR}, not ahead of the shop's clock",
        ),
    }
    values, errors = {}, []
    for field, (read, shape) in checks.items():
        value = read(body.get(field))
        if value is None:
            errors.append({"field": field, "detail": f"must be {shape}"})
        values[field] = value
    if errors:
        fields = ", ".join(error["field"] for error in errors)
        raise InvalidRequest(f"bad or missing {fields}", errors=errors)
    return values


def _shopify_id(value: object) -> int | None:
    if type(value) is int and 1 <= value <= MAX_SHOPIFY_ID:
        return value
    return None


def _figure(value: object) -> int | None:
    if type(value) is int and -MAX_FIGURE <= value <= MAX_FIGURE:
        return value
    return None


def _moment(value: object) -> datetime | None:
    # The webhook's own rule for a time: zoned, in range, not ahead of us.
    try:
        return moment_check(value)
    except InvalidRequest:
        return None


def _mapped_place(vendor: Vendor, item_id: int, location_id: int) -> tuple[str, str]:
    """Return the SKU and warehouse codes the vendor mapped the ids to, or
    refuse naming each id that has no mapping."""
    sku = (
        ShopifyItem.objects.filter(vendor=vendor, inventory_item_id=item_id)
        .values_list("sku__code", flat=True)
        .first()
    )
    warehouse = (
        ShopifyLocation.objects.filter(vendor=vendor, location_id=location_id)
        .values_list("warehouse__code", flat=True)
        .first()
    )

    errors = []
    if sku is None:
        errors.append(
            {
                "field": "inventory_item_id",
                "value": item_id,
                "detail": f"inventory item {item_id} is not mapped to a SKU",
            }
        )
    if warehouse is None:
        errors.append(
            {
                "field": "location_id",
                "value": location_id,
                "detail": f"location {location_id} is not mapped to a warehouse",
            }
        )
    if errors:
        named = "; ".join(error["detail"] for error in errors)
        raise Unmapped(
            f"{named} for vendor {vendor.code}; map Shopify ids on the "
            "vendor's page in the admin",
            errors=errors,
        )
    return sku, warehouse
