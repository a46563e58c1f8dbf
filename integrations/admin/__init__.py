"""The admin for vendors, endpoints and feeds, one module each."""

from . import deliveries, endpoints, feeds, shopify, vendors

__all__ = ["deliveries", "endpoints", "feeds", "shopify", "vendors"]
