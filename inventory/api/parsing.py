"""Turn what a client sent into plain values, or refuse it as ``invalid``.

Nothing here knows a business rule: it checks shapes and JSON types, and
hands everything else to the services.
"""

import json
import uuid
from collections.abc import Mapping

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser

from inventory.errors import InvalidRequest, NotFound, UnknownSku

MAX_SKUS_PER_QUERY = 100
MAX_CODE_LENGTH = 64
# The deepest body this API takes has its values at level 4 (object, lines,
# line, value); far deeper ones are refused before anything else walks them.
MAX_DEPTH = 8


class StrictJSONParser(BaseParser):
    """Parse a JSON object body of at most DATA_UPLOAD_MAX_MEMORY_SIZE.

    Not a JSONParser subclass on purpose: DRF hands those ``request.body``,
    whose RequestDataTooBig escapes the API's error handler as a bare 400
    page. Reading the stream here, with the limit, answers the contract's
    error body instead and never holds a huge body in memory. Numbers keep
    their JSON type (``1.0`` stays a float), NaN and Infinity are refused,
    and so are repeated keys, NUL characters and unpaired surrogates, which
    PostgreSQL cannot store, and nesting deeper than any body needs.
    """

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None) -> dict:
        return strict_object(_read_limited(stream))


def strict_object(raw: bytes) -> dict:
    """Return the JSON object in ``raw`` under the parser's rules, or
    raise ParseError saying what is wrong with it."""
    try:
        data = json.loads(
            raw.decode("utf-8"),
            object_pairs_hook=_unique_keys,
            parse_constant=_refuse_constant,
        )
    except (ValueError, UnicodeDecodeError) as exc:
        raise ParseError(f"the body is not valid JSON: {exc}") from None
    except RecursionError:
        raise ParseError("the body is nested too deeply") from None

    if not isinstance(data, dict):
        raise ParseError("the body must be a JSON object")
    _check_text(data)
    return data


def _read_limited(stream) -> bytes:
    """Read at most one byte past the limit, so a huge body is never
    held in memory; a stream may hand back less than asked, hence the loop.
    """
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    chunks, size = [], 0
    while size <= limit:
        chunk = stream.read(limit + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)

    if size > limit:
        raise ParseError(f"the body is larger than {limit} bytes")
    return b"".join(chunks)


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    data = dict(pairs)
    if len(data) != len(pairs):
        raise ValueError("a key is repeated in one object")
    return data


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _check_text(data: dict) -> None:
    """Refuse nesting deeper than MAX_DEPTH, and strings anywhere that the
    database cannot hold. Iterative, so no body can exhaust the stack."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise ParseError(f"the body is nested deeper than {MAX_DEPTH} levels")
        if isinstance(value, str):
            _check_string(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                _check_string(key)
                pending.append((item, depth + 1))
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)


def _check_string(text: str) -> None:
    if "\x00" in text:
        raise ParseError("strings may not contain NUL characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ParseError("strings must be valid Unicode") from None


def validated(serializer_class, data: object) -> dict:
    """Return the serializer's validated data, or raise InvalidRequest
    naming each bad field as a dotted path (``lines.0.quantity``)."""
    serializer = serializer_class(data=data)
    if serializer.is_valid():
        return serializer.validated_data

    fields = dict(_flatten(serializer.errors))
    first_path, first_message = next(iter(fields.items()))
    raise InvalidRequest(f"{first_path}: {first_message}", fields=fields)


def _flatten(errors: object, prefix: str = ""):
    """Yield (dotted path, message) pairs from DRF's nested errors."""
    if isinstance(errors, Mapping):
        for key, value in errors.items():
            name = "body" if key == "non_field_errors" else str(key)
            yield from _flatten(value, f"{prefix}.{name}" if prefix else name)
    elif isinstance(errors, list) and any(not isinstance(e, str) for e in errors):
        for index, value in enumerate(errors):
            if value:
                yield from _flatten(value, f"{prefix}.{index}")
    elif isinstance(errors, list):
        yield prefix or "body", " ".join(str(e) for e in errors)
    else:
        yield prefix or "body", str(errors)


def path_uuid(value: str, *, error: str) -> uuid.UUID:
    """Return the id in a path; a malformed one names nothing, so 404."""
    try:
        return uuid.UUID(value)
    except (ValueError, TypeError):
        raise NotFound(f"no such id {value!r}", error=error) from None


def path_sku(value: str) -> str:
    """Return a SKU code from a path; one that cannot exist is unknown."""
    if not _plausible_code(value):
        raise UnknownSku(f"unknown SKU {value!r}")
    return value


def query_text(params: Mapping, name: str) -> str | None:
    """Return a query parameter as text, refusing what no code can hold."""
    value = params.get(name)
    if value is not None and "\x00" in value:
        raise InvalidRequest(f"{name} may not contain NUL characters")
    return value


def query_sku_codes(params: Mapping) -> list[str]:
    """Return the distinct codes of ``?skus=A,B``, in the order given.

    Codes that no SKU can have are dropped, as any unknown code is.
    """
    raw = params.get("skus") or ""
    return sku_code_list([c.strip() for c in raw.split(",")])


def sku_code_list(codes: list[str]) -> list[str]:
    """Return the distinct non-empty codes of a list, in the order given,
    refusing none or more than MAX_SKUS_PER_QUERY; codes no SKU can have
    are dropped, as any unknown code is."""
    codes = list(dict.fromkeys(code for code in codes if code))
    if not codes:
        raise InvalidRequest("skus must name at least one SKU")
    if len(codes) > MAX_SKUS_PER_QUERY:
        raise InvalidRequest(f"at most {MAX_SKUS_PER_QUERY} SKUs a request")
    return [code for code in codes if _plausible_code(code)]


def _plausible_code(code: str) -> bool:
    return 0 < len(code) <= MAX_CODE_LENGTH and "\x00" not in code
