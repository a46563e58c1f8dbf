"""The queries: ``sku``, ``skus``, ``catalog`` and ``warehouses``."""

import strawberry
from asgiref.sync import sync_to_async
from strawberry.types import Info

from inventory.api.parsing import MAX_SKUS_PER_QUERY
from inventory.errors import InvalidRequest

from . import reads
from .limits import spend_skus
from .types import PageInfo, Sku, SkuConnection, SkuEdge, Warehouse

DEFAULT_PAGE = 20


@strawberry.type
class Query:
    @strawberry.field(
        description="One SKU's availability, as GET /api/v1/skus/{sku}/"
        "availability; an unknown code is an unknown_sku error."
    )
    async def sku(
        self, info: Info, code: str, ship_to: str | None = None
    ) -> Sku | None:
        spend_skus(1)
        answer = await sync_to_async(reads.sku_answer)(code, ship_to=ship_to)
        return Sku.from_dict(answer)

    @strawberry.field(
        description="Several SKUs, as GET /api/v1/availability?skus=: "
        "unknown codes are left out; at most 100."
    )
    async def skus(
        self, info: Info, codes: list[str], ship_to: str | None = None
    ) -> list[Sku] | None:
        codes = reads.sku_codes(codes)
        spend_skus(len(codes))
        answers = await sync_to_async(reads.skus_answer)(codes, ship_to=ship_to)
        return [Sku.from_dict(answer) for answer in answers]

    @strawberry.field(
        description="The catalog's new-condition SKUs by name, a page at a "
        "time (first: 1 to 100, default 20)."
    )
    async def catalog(
        self,
        info: Info,
        search: str = "",
        category: str = "",
        sub_category: str = "",
        first: int = DEFAULT_PAGE,
        after: str | None = None,
    ) -> SkuConnection | None:
        if not 1 <= first <= MAX_SKUS_PER_QUERY:
            raise InvalidRequest(
                f"first must be a whole number from 1 to {MAX_SKUS_PER_QUERY}"
            )
        spend_skus(first)
        answers, more = await sync_to_async(reads.catalog_page)(
            search=search,
            category=category,
            sub_category=sub_category,
            first=first,
            after=after,
        )

        edges = [
            SkuEdge(cursor=reads.cursor_for(answer), node=Sku.from_dict(answer))
            for answer in answers
        ]
        end = edges[-1].cursor if edges else None
        return SkuConnection(
            edges=edges, page_info=PageInfo(has_next_page=more, end_cursor=end)
        )

    @strawberry.field(description="The warehouses, by code.")
    async def warehouses(self) -> list[Warehouse]:
        found = await sync_to_async(reads.warehouses)()
        return [Warehouse(code=w.code, name=w.name) for w in found]
