"""What every resolver can reach: the request and its SKU budget."""

from dataclasses import dataclass, field

from .limits import SkuBudget


@dataclass
class GraphContext:
    """``headers`` are the HTTP request's, or the socket handshake's."""

    headers: dict[str, str]
    request: object = None
    response: object = None
    budget: SkuBudget = field(default_factory=SkuBudget)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())
