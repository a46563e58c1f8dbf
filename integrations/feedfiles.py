"""Read an ERP feed's file into checked stock counts.

Nothing here changes stock or touches the network. A file becomes plain
``{sku, warehouse, on_hand}`` lines and the time they were counted, or is
refused whole (InvalidRequest) with every bad line named in ``errors``,
checked by the same rules as a webhook's ``stock.snapshot`` lines.
"""

import csv
import io
import re
from datetime import datetime

from inventory.errors import InvalidRequest
from inventory.vendor_sync import SNAPSHOT

from .inbound import lines_check, moment_check
from .jsonbody import json_loads

CSV_HEADER = ("sku", "warehouse", "on_hand")
_WHOLE = re.compile(r"-?[0-9]{1,12}")
SHOWN_ERRORS = 20


def feed_parse(
    data: bytes, fmt: str, *, max_lines: int
) -> tuple[list[dict], datetime | None]:
    """Return the feed's checked lines and its ``occurred_at`` (or None).

    Refuse an unreadable, empty or oversized file, and a file with any
    bad line: a feed applies whole or not at all. A refusal of a file
    that could be read carries its number of ``lines``.
    """
    if fmt == "csv":
        lines, problems = _csv_lines(data)
        occurred_at = None
    else:
        lines, occurred_at = _json_lines(data)
        problems = []

    # A download cut short is refused by the client when the server gave
    # its length, and otherwise mostly leaves a bad last line.
    # Limitation: a file sent without a length and cut exactly between
    # two lines reads as a whole, shorter one.
    if not lines:
        raise InvalidRequest("the feed has no lines", lines=0)
    if len(lines) > max_lines:
        raise InvalidRequest(
            f"the feed has {len(lines)} lines; at most {max_lines}", lines=len(lines)
        )

    try:
        checked = lines_check(SNAPSHOT, lines)
    except InvalidRequest as refused:
        problems += refused.extra["errors"]
    if problems:
        problems.sort(key=lambda error: error["line"])
        raise InvalidRequest(
            _summary(problems, lines), errors=problems, lines=len(lines)
        )
    return checked, occurred_at


def _json_lines(data: bytes) -> tuple[list, datetime | None]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidRequest("the feed is not JSON") from None
    body = json_loads(text, what="the feed")

    if isinstance(body, list):
        return body, None
    if not isinstance(body, dict) or not isinstance(body.get("lines"), list):
        raise InvalidRequest(
            "a JSON feed is a list of lines or an object with a list of lines"
        )
    when = body.get("occurred_at")
    return body["lines"], None if when is None else moment_check(when)


def _csv_lines(data: bytes) -> tuple[list[dict], list[dict]]:
    """Return the rows as lines, and the rows that have too many fields."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidRequest("the feed is not UTF-8 text") from None

    rows = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [cell.strip().lower() for cell in next(rows, [])]
        if sorted(header) != sorted(CSV_HEADER):
            raise InvalidRequest(
                f"the CSV's first row must name the columns {','.join(CSV_HEADER)}"
            )
        # Blank rows carry nothing; they are not counted as lines.
        return _csv_rows([row for row in rows if any(c.strip() for c in row)], header)
    except csv.Error as error:
        raise InvalidRequest(f"the CSV cannot be read: {error}") from None


def _csv_rows(rows: list[list[str]], header: list[str]) -> tuple[list, list]:
    lines, problems = [], []
    for number, row in enumerate(rows):
        if len(row) > len(header):
            problems.append(
                {
                    "line": number,
                    "field": "",
                    "detail": f"has {len(row)} fields; the header has {len(header)}",
                }
            )
        # A short row lacks its last fields, which the checks name as missing.
        line = {name: cell.strip() for name, cell in zip(header, row, strict=False)}
        if "on_hand" in line and _WHOLE.fullmatch(line["on_hand"]):
            line["on_hand"] = int(line["on_hand"])
        lines.append(line)
    return lines, problems


def _summary(problems: list[dict], lines: list) -> str:
    """Say which lines are bad, the first SHOWN_ERRORS of them in full.

    Lines count from 0, as in a webhook's errors; a CSV's header row and
    blank rows are not counted.
    """
    shown = "; ".join(_described(p, lines) for p in problems[:SHOWN_ERRORS])
    more = len(problems) - SHOWN_ERRORS
    tail = f"; and {more} more" if more > 0 else ""
    count = f"{len(problems)} problem" + ("s" if len(problems) > 1 else "")
    return f"{count}, nothing applied: {shown}{tail}"


def _described(problem: dict, lines: list) -> str:
    field = problem.get("field") or ""
    line = lines[problem["line"]]
    value = line.get(field) if isinstance(line, dict) and field else None
    shown = repr(value) if isinstance(value, str | int | float) else ""
    named = f" {shown[:40]}" if shown else ""
    where = f" {field}{named}" if field else ""
    return f"line {problem['line']}{where}: {problem['detail']}"
