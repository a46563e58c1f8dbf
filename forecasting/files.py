"""Read an order file for the backtest, refusing what it cannot score.

The shop's own reader (catalog.orderfile) checks every line and refuses an
empty file; a backtest also refuses a header with a column the format does
not have, since a file with unknown columns is likely not the file meant.
"""

import csv

from catalog.orderfile import (
    SUPERSTORE_COLUMNS,
    OrderFileError,
    SaleLine,
    read_order_file,
)


def read_backtest_file(path) -> list[SaleLine]:
    """Return the file's order lines; raise OrderFileError for a file
    that is empty, has an unknown column or any bad line."""
    lines = read_order_file(path)
    unknown = _unknown_columns(path)
    if unknown:
        raise OrderFileError(
            path,
            f"unknown column {', '.join(map(repr, unknown))} in the header",
            line=1,
        )
    return lines


def _unknown_columns(path) -> list[str]:
    with open(path, encoding="utf-8-sig", newline="") as source:
        header = next(csv.reader(source), [])
    known = set(SUPERSTORE_COLUMNS)
    return [name.strip() for name in header if name.strip() not in known]
