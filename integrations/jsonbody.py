"""Strict JSON for what outsiders send us: webhooks and feeds.

A repeated key is refused rather than letting the last one win, since two
readers of one body could then disagree on which event or figure it
carries; NaN and Infinity are not numbers; any nesting deep enough to
exhaust the parser is refused as malformed.
"""

import json

from inventory.errors import InvalidRequest


class _Repeated(ValueError):
    pass


def json_loads(text: str, *, what: str = "the body") -> object:
    """Return the parsed ``text`` or refuse it with InvalidRequest."""
    try:
        return json.loads(
            text, parse_constant=_not_a_number, object_pairs_hook=_unique_keys
        )
    except _Repeated as repeated:
        raise InvalidRequest(f"{what} repeats the key {repeated}") from None
    except (ValueError, RecursionError):
        raise InvalidRequest(f"{what} is not JSON") from None


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    found = dict(pairs)
    if len(found) != len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise _Repeated(json.dumps(key)[:80])
            seen.add(key)
    return found


def _not_a_number(constant: str):
    raise ValueError(f"{constant} is not a number")
