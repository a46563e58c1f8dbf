"""The GraphQL object types: the REST answers' dicts, in camelCase.

Each type is built from the dict a selector or service already returns
(``from_dict``), so GraphQL and REST answer from one shape and cannot
drift apart field by field.
"""

import datetime

import strawberry

STATUS_WORDS = "in_stock, low_stock, out_of_stock or restocking, as in REST"


def _date(value) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(value)


@strawberry.type(description="One warehouse's figures for a SKU.")
class WarehouseAvailability:
    warehouse: str
    available: int
    on_hand: int
    reserved: int
    committed: int
    incoming: int
    restock_eta: datetime.date | None

    @classmethod
    def from_dict(cls, entry: dict) -> "WarehouseAvailability":
        return cls(
            warehouse=entry["warehouse"],
            available=entry["available"],
            on_hand=entry["on_hand"],
            reserved=entry["reserved"],
            committed=entry["committed"],
            incoming=entry["incoming"],
            restock_eta=_date(entry["restock_eta"]),
        )


@strawberry.type(description="A SKU's availability, as the REST API gives it.")
class Sku:
    sku: str
    name: str
    condition: str = strawberry.field(description="new or refurbished")
    status: str = strawberry.field(description=STATUS_WORDS)
    available: int
    on_hand: int
    reserved: int
    committed: int
    incoming: int
    restock_eta: datetime.date | None
    sequence: int
    warehouses: list[WarehouseAvailability]

    @classmethod
    def from_dict(cls, answer: dict) -> "Sku":
        return cls(
            sku=answer["sku"],
            name=answer["name"],
            condition=answer["condition"],
            status=answer["status"],
            available=answer["available"],
            on_hand=answer["on_hand"],
            reserved=answer["reserved"],
            committed=answer["committed"],
            incoming=answer["incoming"],
            restock_eta=_date(answer["restock_eta"]),
            sequence=answer["sequence"],
            warehouses=[
                WarehouseAvailability.from_dict(w) for w in answer["warehouses"]
            ],
        )


@strawberry.type(description="A stock location.")
class Warehouse:
    code: str
    name: str


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class SkuEdge:
    cursor: str
    node: Sku


@strawberry.type(description="A page of the catalog, by name.")
class SkuConnection:
    edges: list[SkuEdge]
    page_info: PageInfo


@strawberry.type(description="Units held in one warehouse.")
class HoldLine:
    sku: str
    warehouse: str
    quantity: int


@strawberry.type(description="A hold, as POST /api/v1/reservations answers.")
class Reservation:
    id: strawberry.ID
    status: str
    expires_at: str = strawberry.field(
        description="ISO 8601, UTC, exactly as the REST answer gives it"
    )
    lines: list[HoldLine]

    @classmethod
    def from_dict(cls, body: dict) -> "Reservation":
        return cls(
            id=strawberry.ID(str(body["id"])),
            status=body["status"],
            expires_at=body["expires_at"],
            lines=[HoldLine(**line) for line in body["lines"]],
        )


@strawberry.input(description="One line of a hold.")
class LineInput:
    sku: str
    quantity: int


@strawberry.input(description="The last sequence a client saw of a SKU.")
class SinceInput:
    sku: str
    sequence: int


@strawberry.type(
    description="A live stock message: an inventory_updated event, or an "
    "inventory_snapshot standing in for changes no longer kept."
)
class StockMessage:
    event_type: str
    sku_id: str
    available: int
    status: str = strawberry.field(description=STATUS_WORDS)
    sequence: int
    event_id: str | None = None
    warehouse_id: str | None = None
    change: int | None = None
    reason: str | None = None
    timestamp: str | None = None
    warehouses: list[WarehouseAvailability] | None = None

    @classmethod
    def from_dict(cls, message: dict) -> "StockMessage":
        warehouses = message.get("warehouses")
        return cls(
            event_type=message["event_type"],
            sku_id=message["sku_id"],
            available=message["available"],
            status=message["status"],
            sequence=message["sequence"],
            event_id=message.get("event_id"),
            warehouse_id=message.get("warehouse_id"),
            change=message.get("change"),
            reason=message.get("reason"),
            timestamp=message.get("timestamp"),
            warehouses=None
            if warehouses is None
            else [WarehouseAvailability.from_dict(w) for w in warehouses],
        )
