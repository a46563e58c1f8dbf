"""Refuse text arguments PostgreSQL cannot store, before any query."""

from inventory.errors import InvalidRequest

# Far beyond any code, region or search term; long enough for none to
# be cut short, short enough that no argument is a burden to hold.
MAX_TEXT_LENGTH = 1000


def checked_text(value: str | None, name: str) -> str | None:
    """Return ``value``, or refuse NUL characters and unpaired surrogates
    (which no column can hold) and absurd lengths as ``invalid``."""
    if value is None:
        return None
    if len(value) > MAX_TEXT_LENGTH:
        raise InvalidRequest(f"{name} is longer than {MAX_TEXT_LENGTH} characters")
    if "\x00" in value:
        raise InvalidRequest(f"{name} may not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidRequest(f"{name} must be valid Unicode") from None
    return value
