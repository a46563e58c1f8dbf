"""The stock room in the admin, one module per concern."""

from . import alerts, levels, purchasing, stock
from .stock import LevelLineInline, ReadOnlyAdmin, ReadOnlyInline

__all__ = [
    "LevelLineInline",
    "ReadOnlyAdmin",
    "ReadOnlyInline",
    "alerts",
    "levels",
    "purchasing",
    "stock",
]
