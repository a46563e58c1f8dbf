"""The admin for vendors, endpoints and feeds, one module each."""

from . import endpoints, feeds, vendors

__all__ = ["endpoints", "feeds", "vendors"]
