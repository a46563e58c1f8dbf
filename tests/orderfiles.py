"""Small Superstore-format order files, written by the tests themselves."""

import csv
from pathlib import Path

from catalog.orderfile import SUPERSTORE_COLUMNS

HEADER = SUPERSTORE_COLUMNS


def sale(
    order: str,
    day: str,
    region: str,
    product_id: str,
    name: str,
    sales: str,
    quantity: str,
    discount: str = "0",
    **more: str,
) -> dict:
    """Return one order line; ``more`` sets any other column by name,
    written with underscores (``Postal_Code="6824"``)."""
    row = {
        "Order ID": order,
        "Order Date": day,
        "Ship Date": day,
        "Ship Mode": "Standard Class",
        "Customer ID": "CU-00001",
        "Customer Name": "Customer 0001",
        "Segment": "Consumer",
        "Country": "United States",
        "City": "Springfield",
        "State": "Illinois",
        "Postal Code": "62701",
        "Region": region,
        "Product ID": product_id,
        "Category": "Office Supplies",
        "Sub-Category": "Paper",
        "Product Name": name,
        "Sales": sales,
        "Quantity": quantity,
        "Discount": discount,
        "Profit": "1.5",
    }
    row.update({key.replace("_", " "): value for key, value in more.items()})
    return row


def write_orders(
    path: Path, rows: list[dict], *, header=HEADER, bom: bool = False
) -> Path:
    """Write ``rows`` under ``header`` as the Superstore files are written."""
    encoding = "utf-8-sig" if bom else "utf-8"
    with open(path, "w", newline="", encoding=encoding) as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        for number, row in enumerate(rows, start=1):
            values = {**row, "Row ID": str(number)}
            writer.writerow([values.get(column, "") for column in header])
    return path
