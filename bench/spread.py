"""Holds per second spread over many SKUs, against the hot SKU's rate.

The same CLIENTS clients post to the same server as the hot-SKU figure,
each taking SKUS SKUs round-robin from its own starting point, so no
two clients wait on one SKU's lock unless they meet by chance. Holds on
different SKUs only share the database and the workers, so this rate
should rise with cores where the hot SKU's cannot.
"""

from .holds import SECONDS, holds_place, units_reserved
from .seed import seed_hot_sku

SKUS = 50
STOCK = 200_000


def run(database_url: str, port: int) -> dict:
    """Seed SKUS SKUs, hold on them through ``port``; return the rate."""
    codes = [f"SPREAD-{n:02d}" for n in range(SKUS)]
    for code in codes:
        seed_hot_sku(code=code, on_hand=STOCK)

    granted, other = holds_place(port, codes)
    reserved = units_reserved(database_url, codes)
    if granted != reserved:
        raise AssertionError(f"{granted} holds granted but {reserved} reserved")
    return {"api": granted / SECONDS, "granted": granted, "other": other}
