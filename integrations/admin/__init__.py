"""The admin for vendors, endpoints and feeds, one module each."""

from . import deliveries, endpoints, vendors

__all__ = ["deliveries", "endpoints", "vendors"]
