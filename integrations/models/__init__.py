"""Vendors, their events in, the shop's events out, and their feeds.

One module per concern; everything is imported here so Django finds it.
"""

from .deliveries import Delivery, DeliveryAttempt, RunLease
from .endpoints import EVENT_KINDS, Endpoint, all_event_kinds
from .feeds import Feed, FeedRun
from .shopify import ShopifyItem, ShopifyLocation
from .vendors import InboundEvent, Vendor, new_secret

__all__ = [
    "Delivery",
    "DeliveryAttempt",
    "EVENT_KINDS",
    "Endpoint",
    "Feed",
    "FeedRun",
    "InboundEvent",
    "RunLease",
    "ShopifyItem",
    "ShopifyLocation",
    "Vendor",
    "all_event_kinds",
    "new_secret",
]
