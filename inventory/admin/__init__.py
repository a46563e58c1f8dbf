"""The stock room in the admin, one module per concern."""

from . import alerts, stock
from .stock import LevelLineInline, ReadOnlyAdmin, ReadOnlyInline

__all__ = [
    "LevelLineInline",
    "ReadOnlyAdmin",
    "ReadOnlyInline",
    "alerts",
    "stock",
]
