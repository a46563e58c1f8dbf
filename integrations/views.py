"""Vendor webhooks: check the signature over the raw body, check every
line, store the event, answer 202; a Celery task applies it.

Shopify's inventory webhook takes the same path with Shopify's own
signature and payload (see ``integrations/shopify.py``)."""

import logging

from django.http import JsonResponse
from django.http.request import RawPostDataException
from django.views.decorators.csrf import csrf_exempt

from inventory.errors import StockError

from . import shopify, signing
from .inbound import parse_event
from .models import InboundEvent, Vendor
from .services import inbound_event_accept

logger = logging.getLogger(__name__)

MAX_BODY = 256 * 1024


def _error(code: str, detail: str, status: int, **extra) -> JsonResponse:
    return JsonResponse({"error": code, "detail": detail, **extra}, status=status)


def _not_allowed(method: str) -> JsonResponse:
    response = _error("method_not_allowed", f"this address takes {method}", 405)
    response["Allow"] = method
    return response


def _vendor(code: str) -> Vendor | None:
    if not _code_ok(code):
        return None
    return Vendor.objects.filter(code=code, active=True).first()


def _code_ok(code: str) -> bool:
    return code.isascii() and code.isprintable() and len(code) <= 64


def _raw_body(request) -> bytes | None:
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > MAX_BODY:
        return None
    try:
        return request.read(MAX_BODY + 1)
    except (OSError, RawPostDataException):
        return None


def _verified(request, vendor: Vendor, body: bytes) -> bool:
    try:
        signing.verify(request.headers.get("X-Signature"), body, vendor.valid_secrets())
    except signing.SignatureError as refused:
        logger.warning("vendor %s: refused signature: %s", vendor.code, refused)
        return False
    return True


def _signed_post(request, vendor: str, verified, refusal: str):
    """Return the vendor and the raw body of a signed POST, or the answer
    that refuses it: wrong method, unknown vendor, too large, unsigned."""
    if request.method != "POST":
        return _not_allowed("POST")
    found = _vendor(vendor)
    if found is None:
        return _error("unknown_vendor", f"no vendor {vendor!r}", 404)
    body = _raw_body(request)
    if body is None or len(body) > MAX_BODY:
        return _error("invalid", f"the body must be at most {MAX_BODY} bytes", 400)
    if not verified(request, found, body):
        return _error("bad_signature", refusal, 401)
    return found, body


@csrf_exempt
def inventory_event(request, vendor: str):
    """``POST /webhooks/vendors/{vendor}/inventory``"""
    checked = _signed_post(
        request, vendor, _verified, "the signature is missing, wrong or stale"
    )
    if isinstance(checked, JsonResponse):
        return checked
    found, body = checked

    try:
        event = parse_event(body)
        stored, created = inbound_event_accept(vendor=found, event=event)
    except StockError as refused:
        return _error(refused.code, refused.detail, refused.status, **refused.extra)
    return _stored(stored, created)


def _stored(stored: InboundEvent, created: bool) -> JsonResponse:
    if not created:
        return JsonResponse({"status": "duplicate", "event_id": stored.event_id})
    return JsonResponse({"status": "accepted", "event_id": stored.event_id}, status=202)


def _shopify_verified(request, vendor: Vendor, body: bytes) -> bool:
    header = request.headers.get("X-Shopify-Hmac-Sha256")
    try:
        shopify.verify(header, body, vendor.valid_secrets())
    except signing.SignatureError as refused:
        logger.warning("vendor %s: refused Shopify call: %s", vendor.code, refused)
        return False
    return True


@csrf_exempt
def shopify_inventory_level(request, vendor: str):
    """``POST /webhooks/vendors/{vendor}/shopify``: Shopify's
    ``inventory_levels/update``, stored as a count of the mapped level."""
    checked = _signed_post(
        request, vendor, _shopify_verified, "the Shopify signature is missing or wrong"
    )
    if isinstance(checked, JsonResponse):
        return checked
    found, body = checked

    try:
        event = shopify.level_update_event(
            body,
            vendor=found,
            webhook_id=request.headers.get("X-Shopify-Webhook-Id"),
            topic=request.headers.get("X-Shopify-Topic"),
        )
        stored, created = inbound_event_accept(vendor=found, event=event)
    except StockError as refused:
        logger.warning("vendor %s: refused Shopify call: %s", found.code, refused)
        return _error(refused.code, refused.detail, refused.status, **refused.extra)
    return _stored(stored, created)


@csrf_exempt
def event_status(request, vendor: str, event_id: str):
    """``GET /webhooks/vendors/{vendor}/events/{event_id}``, signed over an
    empty body."""
    if request.method != "GET":
        return _not_allowed("GET")
    found = _vendor(vendor)
    if found is None:
        return _error("unknown_vendor", f"no vendor {vendor!r}", 404)
    if not _verified(request, found, b""):
        return _error("bad_signature", "the signature is missing, wrong or stale", 401)

    stored = InboundEvent.objects.filter(vendor=found, event_id=event_id).first()
    if stored is None:
        return _error("unknown_event", f"no event {event_id!r}", 404)
    return JsonResponse(
        {
            "status": stored.status,
            "applied": stored.applied,
            "stale": stored.stale,
            "errors": stored.errors,
        }
    )
