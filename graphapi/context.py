"""What every resolver can reach through ``info.context``."""

from dataclasses import dataclass


@dataclass
class GraphContext:
    """One per HTTP request, or one per socket for all its operations.

    ``headers`` are the HTTP request's or the socket handshake's;
    ``following`` counts the SKUs the socket's subscriptions follow.
    """

    headers: dict[str, str]
    request: object = None
    response: object = None
    following: int = 0

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())
