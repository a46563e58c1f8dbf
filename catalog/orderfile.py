"""Read and check a Superstore-format order file.

The whole file is read and checked before anyone writes a row from it: a
file with one bad line is refused whole, with the line and the column
named. Line numbers are the file's own, the header being line 1.
"""

import codecs
import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

CENT = Decimal("0.01")

# Longest Product ID kept whole: room is left in the 64 characters of a SKU
# code for a "-NN" suffix and the twin's "-R".
MAX_PRODUCT_ID = 56

_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_SPACES = re.compile(r"\s+")


class OrderFileError(ValueError):
    """A file that cannot be read as orders, naming where and why."""

    def __init__(self, path, problem: str, *, line=None, column=None) -> None:
        where = [str(path)]
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {problem}")
        self.line = line
        self.column = column


@dataclass(frozen=True, slots=True)
class SaleLine:
    """One order line of the file, its fields checked and normalized."""

    line: int
    order_id: str
    order_date: date
    region: str
    postal_code: str
    product_id: str
    product_name: str
    category: str
    sub_category: str
    sales: Decimal
    quantity: int
    discount: Decimal

    @property
    def product(self) -> tuple[str, str]:
        """Return the key of the line's product: (Product ID, name)."""
        return (self.product_id, self.product_name)

    @property
    def warehouse_code(self) -> str:
        return region_code(self.region)

    @property
    def unit_price(self) -> Decimal:
        """Return the unit list price, before discount, to the cent."""
        gross = self.sales / self.quantity / (1 - self.discount)
        return gross.quantize(CENT, rounding=ROUND_HALF_UP)


def normalize_name(name: str) -> str:
    """Return a product name as the shop keys and shows it.

    Non-breaking spaces become spaces, runs of white space one space, and
    the ends are stripped; curly quotes and case are kept.
    """
    return _SPACES.sub(" ", name.replace("\xa0", " ")).strip()


def region_code(region: str) -> str:
    """Return the warehouse code of a region: ``East`` gives ``EAST``."""
    return normalize_name(region).replace(" ", "_").upper()


def _text(max_length: int) -> Callable[[str], str]:
    def parse(value: str) -> str:
        value = normalize_name(value)
        if not value:
            raise ValueError("is empty")
        if any(ord(char) < 32 or ord(char) == 127 for char in value):
            raise ValueError("holds a control character")
        if len(value) > max_length:
            raise ValueError(f"is longer than {max_length} characters")
        return value

    return parse


def _order_date(value: str) -> date:
    match = _DATE.fullmatch(value.strip())
    if match is None:
        raise ValueError(f"{value!r} is not a date written M/D/YYYY")
    month, day, year = (int(part) for part in match.groups())
    try:
        found = date(year, month, day)
    except ValueError:
        raise ValueError(f"{value!r} is not a real date") from None
    if not FIRST_ORDER_YEAR <= year <= LAST_ORDER_YEAR:
        raise ValueError(
            f"{value!r} is not from {FIRST_ORDER_YEAR} to {LAST_ORDER_YEAR}"
        )
    return found


def _number(value: str) -> Decimal:
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a number")
    return number


def _sales(value: str) -> Decimal:
    number = _number(value)
    if number < 0:
        raise ValueError(f"{value!r} is negative")
    if number > MAX_SALES:
        raise ValueError(f"{value!r} is more than {MAX_SALES:,} for one line")
    return number


def _discount(value: str) -> Decimal:
    number = _number(value)
    if not 0 <= number <= MAX_DISCOUNT:
        raise ValueError(f"{value!r} is not a fraction from 0 to {MAX_DISCOUNT}")
    return number


def _quantity(value: str) -> int:
    text = value.strip()
    if not text.isascii() or not text.isdigit():
        raise ValueError(f"{value!r} is not a whole number")
    if int(text) < 1:
        raise ValueError(f"{value!r} is not positive")
    if int(text) > MAX_LINE_QUANTITY:
        raise ValueError(f"{value!r} is more than {MAX_LINE_QUANTITY:,}")
    return int(text)


def _postal_code(value: str) -> str:
    # Spreadsheets dropped the leading zero of north-eastern codes (6824
    # for 06824); a code is text, so it gets its zeros back.
    text = value.strip()
    return text.zfill(5) if text.isdigit() else text


# Every column of the format, in the order the published files have them;
# the loader needs only those in PARSERS, wherever they stand.
SUPERSTORE_COLUMNS = [
    "Row ID", "Order ID", "Order Date", "Ship Date", "Ship Mode",
    "Customer ID", "Customer Name", "Segment", "Country", "City", "State",
    "Postal Code", "Region", "Product ID", "Category", "Sub-Category",
    "Product Name", "Sales", "Quantity", "Discount", "Profit",
]  # fmt: skip

# Bounds no real order line comes near; past them a value is a typo, and
# it would overflow the figures and prices it becomes.
MAX_SALES = Decimal(10_000_000)
MAX_DISCOUNT = Decimal("0.95")
MAX_LINE_QUANTITY = 10_000
# Order years no real file comes near; past them a year is a typo, and
# the forecasts' calendar (a year back, a few days ahead) would run off
# the end of Python's dates.
FIRST_ORDER_YEAR = 1900
LAST_ORDER_YEAR = 2199
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")

# Each column the shop reads, with the parser of its value.
PARSERS: dict[str, Callable[[str], object]] = {
    "Order ID": _text(64),
    "Order Date": _order_date,
    "Region": _text(32),
    "Product ID": _text(MAX_PRODUCT_ID),
    "Product Name": _text(300),
    "Category": _text(64),
    "Sub-Category": _text(64),
    "Sales": _sales,
    "Quantity": _quantity,
    "Discount": _discount,
}
OPTIONAL = {"Postal Code": _postal_code}
FIELDS = {
    "Order ID": "order_id",
    "Order Date": "order_date",
    "Region": "region",
    "Postal Code": "postal_code",
    "Product ID": "product_id",
    "Product Name": "product_name",
    "Category": "category",
    "Sub-Category": "sub_category",
    "Sales": "sales",
    "Quantity": "quantity",
    "Discount": "discount",
}


def read_order_file(
    path, *, progress: Callable[[int], object] | None = None
) -> list[SaleLine]:
    """Return every order line of the file at ``path``, in file order.

    Raise OrderFileError at the first problem: nothing is returned from
    a file with any bad line. ``progress`` is called with 1 per line read.
    """
    records = _records(path, _decode(path))
    header = next(records, None)
    if header is None:
        raise OrderFileError(path, "the file is empty")
    width, columns = len(header[1]), _columns(path, header[1])

    lines = []
    for number, row in records:
        lines.append(_sale_line(path, number, row, columns, width))
        if progress is not None:
            progress(1)

    if not lines:
        raise OrderFileError(path, "the file has a header but no order lines")
    return lines


def _decode(path) -> str:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise OrderFileError(path, f"cannot be read: {exc.strerror}") from None

    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _encoding_error(path, data, exc.start) from None


def _encoding_error(path, data: bytes, offset: int) -> OrderFileError:
    """Name the line and the column of the first byte that is not UTF-8."""
    breaks = list(_LINE_BREAK.finditer(data, 0, offset))
    line = len(breaks) + 1
    start = breaks[-1].end() if breaks else 0
    before = data[start:offset].decode("utf-8", "replace")
    try:
        field = len(next(csv.reader([before]), [""])) - 1 if before else 0
    except csv.Error:
        field = 0

    first = _LINE_BREAK.split(data, 1)[0].decode("utf-8", "replace")
    header = [name.strip() for name in next(csv.reader([first]), [])]
    column = header[field] if field < len(header) else None
    problem = f"byte 0x{data[offset]:02x} is not UTF-8 (save the file as UTF-8)"
    return OrderFileError(path, problem, line=line, column=column)


def _records(path, text: str):
    """Yield (line number, fields) for each record that is not blank."""
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise OrderFileError(path, f"not CSV: {exc}", line=start) from None

        if any(field.strip() for field in row):
            yield start, row
        start = reader.line_num + 1


def _columns(path, header: list[str]) -> dict[str, int]:
    """Return the index of each column read, refusing a missing one."""
    index: dict[str, int] = {}
    for position, name in enumerate(header):
        name = name.strip()
        # Two columns of one name leave no way to tell which is meant;
        # unnamed ones (a spreadsheet's trailing commas) are never read.
        if name and name in index:
            raise OrderFileError(path, "named twice in the header", line=1, column=name)
        index.setdefault(name, position)

    missing = [name for name in PARSERS if name not in index]
    if missing:
        problem = "missing from the header"
        if len(missing) > 1:
            problem += f" (so are {', '.join(missing[1:])})"
        raise OrderFileError(path, problem, line=1, column=missing[0])

    wanted = [*PARSERS, *(name for name in OPTIONAL if name in index)]
    return {name: index[name] for name in wanted}


def _sale_line(path, number: int, row: list, columns: dict, width: int):
    if len(row) > width:
        problem = f"{len(row)} fields where the header has {width}"
        raise OrderFileError(path, problem, line=number)

    values = {"postal_code": ""}
    for column, position in columns.items():
        if position >= len(row):
            problem = f"missing: the line has only {len(row)} fields"
            raise OrderFileError(path, problem, line=number, column=column)
        parse = PARSERS.get(column) or OPTIONAL[column]
        try:
            values[FIELDS[column]] = parse(row[position])
        except ValueError as exc:
            raise OrderFileError(path, str(exc), line=number, column=column) from None
    return SaleLine(line=number, **values)
