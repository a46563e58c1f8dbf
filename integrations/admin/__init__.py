"""The admin for vendors, endpoints and feeds, one module each."""

from . import deliveries, endpoints, shopify, vendors

__all__ = ["deliveries", "endpoints", "shopify", "vendors"]
