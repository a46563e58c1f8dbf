"""The admin for vendors, endpoints and feeds, one module each."""

from . import endpoints, vendors

__all__ = ["endpoints", "vendors"]
