"""The forecast backtest on the catalog file: fit on all years but the
last, score on the last (2014-2015 against 2016 on the shared file).

Prints every line of ``forecast_backtest`` and each WAPE's ratio to
seasonal naive. Run alone with ``python -m bench.forecast``; `make bench`
runs it too unless BENCH_SKIP_FORECAST is set.
"""

import csv
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import django


def split_by_last_year(path: Path, scratch: Path) -> tuple[Path, Path, int]:
    """Write the file's lines of earlier years and of its last year to
    two files under ``scratch``; return them and the last year."""
    with path.open(encoding="utf-8-sig", newline="") as source:
        rows = list(csv.reader(source))
    header, lines = rows[0], rows[1:]
    column = header.index("Order Date")
    last = max(int(row[column].split("/")[-1]) for row in lines)

    paths = (scratch / "train.csv", scratch / "test.csv")
    for target, wanted in zip(paths, (False, True), strict=True):
        with target.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(
                row for row in lines if (row[column].endswith(f"/{last}")) == wanted
            )
    return *paths, last


def print_forecast(catalog: Path) -> None:
    from django.core.management import call_command

    with tempfile.TemporaryDirectory() as scratch:
        train, test, year = split_by_last_year(catalog, Path(scratch))
        out = io.StringIO()
        started = time.perf_counter()
        call_command("forecast_backtest", "--train", train, "--test", test, stdout=out)
        seconds = time.perf_counter() - started

    print(f"forecast_backtest: train before {year}, test {year}, {seconds:.1f} s")
    for text in out.getvalue().splitlines():
        print(f"  {text}")
        line = json.loads(text)
        if "wape" in line:
            ratio = line["wape"] / line["baseline_wape"]
            print(f"    {line['level']}: {ratio:.3f} of seasonal naive")
        else:
            fill = line["fill_rate"] / line["baseline_fill_rate"]
            stock = line["avg_on_hand"] / line["baseline_avg_on_hand"]
            print(
                f"    policy: fill rate {fill:.3f}, stock on hand {stock:.3f} "
                "of the baseline policy's"
            )


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "officeshop.settings")
    os.environ["LOG_LEVEL"] = "WARNING"
    django.setup()
    from .importing import catalog_file

    with tempfile.TemporaryDirectory() as scratch:
        print_forecast(catalog_file(Path(scratch)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
