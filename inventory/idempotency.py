"""Answer a retried request with its first answer instead of acting twice."""

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction

from .errors import IdempotencyMismatch, InvalidRequest
from .models import IdempotencyRecord

MAX_KEY_LENGTH = 255


def fingerprint(payload: object) -> str:
    """Return a stable hash of a request body."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def idempotent_call(
    *, key: str, request_hash: str, perform: Callable[[], tuple[int, dict]]
) -> tuple[int, dict]:
    """Run ``perform`` once per key; return its (status, body).

    The key's row is inserted first, inside the same transaction as the
    work, so a second request with the same key waits on the unique index
    until the first commits and then reads its answer. Only a success is
    kept: a refused request changed nothing, so it is safe to try again.
    """
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidRequest(
            f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters"
        )
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    key=key, request_hash=request_hash, status_code=0, body={}
                )
        except IntegrityError:
            first = IdempotencyRecord.objects.get(key=key)
            if first.request_hash != request_hash:
                raise IdempotencyMismatch(
                    "this Idempotency-Key was used with another request"
                ) from None
            return first.status_code, first.body

        status, body = perform()
        record.status_code = status
        record.body = body
        record.save(update_fields=["status_code", "body"])
    return status, body
