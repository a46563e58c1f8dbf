"""``manage.py import_catalog FILE``: load a Superstore-format order file.

Each new product becomes a SKU coded by its Product ID (``-2``, ``-3``...
when the ID is taken) and a refurbished twin ``<code>-R`` priced at 70 %
of the list price, to the cent. Each region becomes a warehouse coded in
capitals. Opening stock per warehouse is a year of that region's average
daily sales of the product (at least 4 where the region bought it at all,
none where it never did); twins start empty. The low-stock threshold is
30 days of the product's sales over all regions, at least 4. Averages are
taken over the file's span of order dates, or over 365 days when the file
is shorter. Importing a file again adds only what is new in it.
"""

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from catalog.importer import catalog_import
from catalog.orderfile import OrderFileError


def is_terminal(stream) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Command(BaseCommand):
    help = (
        "Load a Superstore-format order CSV as catalog and opening stock; "
        "a file with any bad line is refused whole."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the order file (CSV, UTF-8)")

    def handle(self, *args, **options):
        path = options["file"]
        # The bar goes to the raw stream: Django's wrapper would end each
        # of its redraws with a new line.
        stream = options.get("stderr") or sys.stderr
        bar = None
        if is_terminal(stream):
            bar = tqdm(file=stream, desc="importing", unit=" lines")

        progress = bar.update if bar is not None else None
        try:
            result = catalog_import(path=path, progress=progress)
        except OrderFileError as exc:
            raise CommandError(str(exc)) from None
        finally:
            if bar is not None:
                bar.close()

        self.stdout.write(
            f"imported {result.lines} lines: {result.new_products} new products, "
            f"{result.new_warehouses} new warehouses"
        )
