"""Demand history as the forecaster sees it: units per item and day.

An item is one product in one warehouse. The forecaster never needs the
database: the backtest builds this history from a file, the shop from its
recorded demand lines, and both hand the same shape to the model.
"""

from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date

from catalog.orderfile import SaleLine, region_code


@dataclass(frozen=True, slots=True)
class Item:
    """One product in one warehouse, with the groups it rolls up to."""

    product: Hashable
    warehouse: str
    category: str
    sub_category: str

    @property
    def pool(self) -> tuple[str, str, str]:
        """Return the pool the item's demand is fitted in: its category,
        sub-category and warehouse."""
        return (self.category, self.sub_category, self.warehouse)


@dataclass
class History:
    """Units sold per item and day, and the size of each order line."""

    units: dict[Item, dict[date, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    line_sizes: dict[Item, list[int]] = field(default_factory=lambda: defaultdict(list))

    def add(self, item: Item, day: date, quantity: int) -> None:
        self.units[item][day] += quantity
        self.line_sizes[item].append(quantity)

    @property
    def items(self) -> list[Item]:
        return list(self.units)

    @property
    def first_day(self) -> date:
        return min(min(days) for days in self.units.values())

    @property
    def last_day(self) -> date:
        return max(max(days) for days in self.units.values())

    def __bool__(self) -> bool:
        return bool(self.units)


def item_of_line(line: SaleLine) -> Item:
    """Return the item of a file's order line: its product (keyed on
    Product ID and name, as the importer keys it) in its region."""
    return Item(
        product=line.product,
        warehouse=region_code(line.region),
        category=line.category,
        sub_category=line.sub_category,
    )


def history_of_lines(lines: Iterable[SaleLine]) -> History:
    """Return the history of a file's order lines."""
    history = History()
    for line in lines:
        history.add(item_of_line(line), line.order_date, line.quantity)
    return history
