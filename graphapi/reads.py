"""The GraphQL queries' reads: the REST calls' selectors, named once.

Plain synchronous functions; the resolvers run them off the event loop.
Arguments are checked as the REST calls check theirs, with the same
functions, so both refuse the same input the same way.
"""

import base64
import binascii
import json

from django.db.models import Q

from catalog.selectors import skus_for_catalog
from inventory import selectors, services
from inventory.api import parsing
from inventory.errors import InvalidRequest
from inventory.models import Warehouse

from .text import checked_text


def sku_answer(code: str, *, ship_to: str | None) -> dict:
    """Return one SKU's availability, as GET .../availability does."""
    code = parsing.path_sku(checked_text(code, "code"))
    home = services.warehouse_for_ship_to(checked_text(ship_to, "shipTo"))
    return selectors.availability_of(code, home=home)


def sku_codes(codes: list[str]) -> list[str]:
    """Return the distinct codes asked for, as ``?skus=`` gives them."""
    texts = [checked_text(code, "codes").strip() for code in codes]
    return parsing.sku_code_list(texts)


def skus_answer(codes: list[str], *, ship_to: str | None) -> list[dict]:
    """Return the known SKUs among ``codes``, as GET /availability does."""
    home = services.warehouse_for_ship_to(checked_text(ship_to, "shipTo"))
    return selectors.availability_for(codes, home=home)


def catalog_page(
    *, search: str, category: str, sub_category: str, first: int, after: str | None
) -> tuple[list[dict], bool]:
    """Return a page of the catalog's SKUs by name, and whether more follow.

    Three queries however long the page: the SKUs, then their figures
    (from the availability cache where it is current, else two more).
    """
    skus = skus_for_catalog(
        search=checked_text(search, "search"),
        category=checked_text(category, "category"),
        sub_category=checked_text(sub_category, "subCategory"),
    )
    if after is not None:
        name, code = cursor_position(after)
        skus = skus.filter(Q(name__gt=name) | Q(name=name, code__gt=code))

    codes = list(skus.values_list("code", flat=True)[: first + 1])
    answers = selectors.availability_for(codes[:first])
    return answers, len(codes) > first


def warehouses() -> list[Warehouse]:
    return list(Warehouse.objects.order_by("code"))


def cursor_for(answer: dict) -> str:
    """Return the opaque cursor after a SKU: its place in name order."""
    text = json.dumps([answer["name"], answer["sku"]])
    return base64.urlsafe_b64encode(text.encode()).decode()


def cursor_position(cursor: str) -> tuple[str, str]:
    """Return the (name, code) a cursor stands after, or refuse it."""
    try:
        raw = base64.urlsafe_b64decode(checked_text(cursor, "after").encode())
        name, code = json.loads(raw)
    except (binascii.Error, ValueError, TypeError, UnicodeError):
        raise InvalidRequest("after is not a cursor this API gave") from None
    if not isinstance(name, str) or not isinstance(code, str):
        raise InvalidRequest("after is not a cursor this API gave")
    return checked_text(name, "after"), checked_text(code, "after")
