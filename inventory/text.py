"""What text from outside may be before it reaches a query."""


def is_plain_text(value: object, *, max_length: int) -> bool:
    """Say whether ``value`` is a non-empty printable string of at most
    ``max_length`` characters.

    PostgreSQL cannot store a NUL or a lone surrogate, so text holding one
    must be refused before it reaches the database, not fail inside it.
    """
    if not isinstance(value, str) or not 0 < len(value) <= max_length:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return value.isprintable()
