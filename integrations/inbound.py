"""Check a vendor's webhook body: every line, every problem named.

Nothing here changes stock; it turns a body into plain values or refuses
it whole with ``errors=[{line, field, detail}]``.
"""

import re
from datetime import date, datetime

from django.utils import timezone

from catalog.models import Sku
from inventory.errors import InvalidRequest
from inventory.models import Warehouse
from inventory.movements import MAX_FIGURE
from inventory.text import is_plain_text
from inventory.vendor_sync import DELTA, DELTA_REASONS, INCOMING, KINDS, SNAPSHOT

from .jsonbody import json_loads
from .signing import TOLERANCE_SECONDS

MAX_LINES = 1000
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MAX_EVENT_ID = 200
# Ids the shop gives events it stores for other doors (Shopify's webhook
# ids), kept apart from the ids vendors choose.
RESERVED_PREFIXES = ("shopify:",)
FIELDS = {
    SNAPSHOT: ("sku", "warehouse", "on_hand"),
    DELTA: ("sku", "warehouse", "delta", "reason"),
    INCOMING: ("sku", "warehouse", "quantity", "eta"),
}


def parse_event(raw: bytes) -> dict:
    """Return ``{event_id, kind, occurred_at, lines}`` or raise."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidRequest("the body is not JSON") from None
    body = json_loads(text)
    if not isinstance(body, dict):
        raise InvalidRequest("the body must be a JSON object")

    event_id = body.get("event_id")
    if not _text(event_id, MAX_EVENT_ID):
        raise InvalidRequest("event_id must be a short printable string")
    if event_id.startswith(RESERVED_PREFIXES):
        raise InvalidRequest(
            f"event_id may not start with {', '.join(RESERVED_PREFIXES)}: "
            "those ids are the shop's own"
        )
    kind = body.get("type")
    if kind not in KINDS:
        raise InvalidRequest(f"type must be one of {', '.join(KINDS)}")
    occurred_at = moment_check(body.get("occurred_at"))
    lines = body.get("lines")
    if not isinstance(lines, list) or not 1 <= len(lines) <= MAX_LINES:
        raise InvalidRequest(f"lines must be a list of 1 to {MAX_LINES} lines")

    return {
        "event_id": event_id,
        "kind": kind,
        "occurred_at": occurred_at,
        "lines": lines_check(kind, lines),
    }


def lines_check(kind: str, lines: list) -> list[dict]:
    """Return ``lines`` of ``kind`` as plain values, or refuse them all.

    Every bad line is named in ``errors`` (``line`` counts from 0), unknown
    SKUs and warehouses among them. Webhooks and ERP feeds share it.
    """
    errors = [e for n, line in enumerate(lines) for e in _line_errors(n, kind, line)]
    errors += _unknown_places(lines)
    if errors:
        raise InvalidRequest("some lines are bad; nothing was applied", errors=errors)
    return [_plain(kind, line) for line in lines]


def _text(value: object, limit: int) -> bool:
    return is_plain_text(value, max_length=limit)


def moment_check(value: object) -> datetime:
    """Return an ISO 8601 time with its zone as a datetime, or refuse it."""
    if isinstance(value, str) and len(value) <= 40:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is not None:
            # Years the database can hold in every time zone.
            if EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
                return not_ahead(moment, "occurred_at")
    raise InvalidRequest(
        "occurred_at must be an ISO 8601 time with its zone, "
        f"between {EARLIEST_YEAR} and {LATEST_YEAR}"
    )


def not_ahead(moment: datetime, name: str) -> datetime:
    """Refuse a time ahead of the shop's clock by more than a signature may
    be: a count dated in the future would make every real count after it
    look stale until that day came, whoever sent them."""
    ahead = (moment - timezone.now()).total_seconds()
    if ahead > TOLERANCE_SECONDS:
        raise InvalidRequest(
            f"{name} is {ahead:.0f} s ahead of the shop's clock; "
            f"at most {TOLERANCE_SECONDS} s is allowed"
        )
    return moment


def _whole(value: object, low: int, high: int) -> bool:
    return type(value) is int and low <= value <= high


def _line_errors(number: int, kind: str, line: object) -> list[dict]:
    def error(field: str, detail: str) -> dict:
        return {"line": number, "field": field, "detail": detail}

    if not isinstance(line, dict):
        return [error("", "a line must be an object")]
    problems = [error(f, "is missing") for f in FIELDS[kind] if f not in line]
    for field in ("sku", "warehouse"):
        if field in line and not _text(line[field], 64):
            problems.append(error(field, "must be a code"))
    if kind == SNAPSHOT and "on_hand" in line:
        if not _whole(line["on_hand"], 0, MAX_FIGURE):
            problems.append(error("on_hand", "must be a whole number from 0"))
    if kind == DELTA and "delta" in line:
        delta = line["delta"]
        if not _whole(delta, -MAX_FIGURE, MAX_FIGURE) or delta == 0:
            problems.append(error("delta", "must be a non-zero whole number"))
    if kind == DELTA and "reason" in line and line["reason"] not in DELTA_REASONS:
        reasons = ", ".join(sorted(DELTA_REASONS))
        problems.append(error("reason", f"must be one of {reasons}"))
    if kind == INCOMING and "quantity" in line:
        if not _whole(line["quantity"], 0, MAX_FIGURE):
            problems.append(error("quantity", "must be a whole number from 0"))
    if kind == INCOMING and "eta" in line and _day(line["eta"]) is None:
        problems.append(error("eta", "must be a date, YYYY-MM-DD"))
    return problems


def _day(value: object) -> date | None:
    # A calendar date, never a time: it cannot shift in any time zone.
    if not isinstance(value, str) or not _DAY.fullmatch(value):
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if EARLIEST_YEAR <= day.year <= LATEST_YEAR else None


def _unknown_places(lines: list) -> list[dict]:
    """Name each line whose SKU or warehouse the shop does not have."""
    shaped = [
        (n, line)
        for n, line in enumerate(lines)
        if isinstance(line, dict)
        and _text(line.get("sku"), 64)
        and _text(line.get("warehouse"), 64)
    ]
    skus = set(
        Sku.objects.filter(code__in={ln["sku"] for _, ln in shaped}).values_list(
            "code", flat=True
        )
    )
    warehouses = set(Warehouse.objects.values_list("code", flat=True))
    errors = []
    for number, line in shaped:
        if line["sku"] not in skus:
            errors.append({"line": number, "field": "sku", "detail": "unknown SKU"})
        if line["warehouse"] not in warehouses:
            errors.append(
                {"line": number, "field": "warehouse", "detail": "unknown warehouse"}
            )
    return errors


def _plain(kind: str, line: dict) -> dict:
    plain = {field: line[field] for field in FIELDS[kind]}
    return plain
