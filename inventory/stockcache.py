"""Availability answers cached in Redis, never stale after a commit.

Each SKU has a pointer, the sequence of its last committed change, and
answers are stored under (SKU, sequence). A commit moves the pointer
forward (``sequence_bump``, run on commit); a reader follows the pointer,
so an answer cached before the commit is simply never read again. The
pointer only ever moves forward, so a slow reader storing what it read
cannot move it back.
"""

import functools
import logging
from urllib.parse import quote

from django.conf import settings
from django.core.cache import cache
from django.db import connection

logger = logging.getLogger(__name__)

# Set each pointer KEYS[i] to ARGV[i] only if that is higher than what it
# holds; the last argument is their time to live.
_FORWARD_ONLY = """
local ttl = ARGV[#ARGV]
for i, key in ipairs(KEYS) do
  local current = tonumber(redis.call('GET', key) or '-1')
  if tonumber(ARGV[i]) > current then
    redis.call('SET', key, ARGV[i], 'EX', ttl)
  end
end
return 0
"""


def enabled() -> bool:
    return settings.AVAILABILITY_CACHE


@functools.cache
def _database_identity() -> str:
    """Return what tells this database from an earlier one of the same
    name: sequences start again in a recreated database, and pointers left
    by the old one must not shadow them."""
    if connection.vendor != "postgresql":
        return "0"
    with connection.cursor() as cursor:
        cursor.execute("SELECT oid FROM pg_database WHERE datname = current_database()")
        return str(cursor.fetchone()[0])


def _pointer_key(code: str) -> str:
    return f"stock:{_database_identity()}:seq:{quote(code, safe='')}"


def _answer_key(code: str, sequence: int) -> str:
    return f"stock:{_database_identity()}:avail:{quote(code, safe='')}:{sequence}"


def _move_forward(pointers: dict[str, int]) -> None:
    # One EVALSHA for every pointer of a change: this runs after each
    # hold's commit, in the request.
    ttl = settings.AVAILABILITY_CACHE_SECONDS * 24
    client = cache.client.get_client(write=True)
    _script(client)(
        keys=[cache.make_key(_pointer_key(code)) for code in pointers],
        args=[*pointers.values(), ttl],
        client=client,
    )


@functools.lru_cache(maxsize=4)
def _script(client):
    return client.register_script(_FORWARD_ONLY)


def sequence_bump(pointers: dict[str, int]) -> None:
    """Point each SKU (by code) at its newest committed sequence."""
    if not enabled() or not pointers:
        return
    try:
        _move_forward(pointers)
    except Exception:
        # With the pointer left behind, readers could be served the old
        # answer: drop every cached answer of these SKUs instead.
        logger.exception("could not move availability cache pointers")
        cache.delete_many([_pointer_key(code) for code in pointers])


def cached_answers(codes: list[str]) -> dict[str, dict]:
    """Return the cached availability objects found for ``codes``."""
    if not enabled() or not codes:
        return {}
    pointers = cache.get_many([_pointer_key(c) for c in codes])
    wanted = {
        _answer_key(code, int(pointers[_pointer_key(code)])): code
        for code in codes
        if _pointer_key(code) in pointers
    }
    found = cache.get_many(list(wanted))
    return {wanted[key]: answer for key, answer in found.items()}


def store_answers(answers: list[dict]) -> None:
    """Cache answers read from the database, each under its sequence."""
    if not enabled() or not answers:
        return
    ttl = settings.AVAILABILITY_CACHE_SECONDS
    cache.set_many(
        {_answer_key(a["sku"], a["sequence"]): a for a in answers}, timeout=ttl
    )
    _move_forward({a["sku"]: a["sequence"] for a in answers})
