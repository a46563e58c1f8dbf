"""What travels on the channel layer: one group per SKU, one message type.

Group names use the SKU's pk: codes come from imported files and may hold
characters a channel layer refuses in a group name.
"""


def sku_group(sku_pk: int) -> str:
    return f"stock.{sku_pk}"


def event_message(sku_pk: int, payload: dict) -> dict:
    """Return the channel layer message carrying one stock event."""
    return {"type": "stock.event", "sku": sku_pk, "event": payload}
