"""The admin for vendors, endpoints and feeds, one module each."""

from . import endpoints, shopify, vendors

__all__ = ["endpoints", "shopify", "vendors"]
