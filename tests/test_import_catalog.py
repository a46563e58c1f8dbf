import io
import time
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from catalog.management.commands import import_catalog
from catalog.models import Condition, Sku
from catalog.orderfile import read_order_file
from forecasting.models import DemandLine
from inventory.models import LedgerEntry, StockEvent, StockLevel, Warehouse
from tests.conftest import level
from tests.orderfiles import HEADER, sale, write_orders
from tests.race import run_together

pytestmark = pytest.mark.django_db

TABLES = (Sku, Warehouse, StockLevel, LedgerEntry, StockEvent)


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in TABLES}


def run_import(path) -> str:
    out = io.StringIO()
    call_command("import_catalog", str(path), stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


def codes() -> list[str]:
    return list(Sku.objects.order_by("code").values_list("code", flat=True))


def test_it_codes_later_products_of_one_product_id_with_a_suffix(tmp_path):
    path = write_orders(
        tmp_path / "orders.csv",
        [
            sale("O-1", "1/5/2016", "East", "OFF-PA-1", "Copy Paper", "20", "2"),
            sale("O-1", "1/5/2016", "East", "OFF-PA-1", "Photo Paper", "30", "1"),
            sale("O-2", "1/6/2016", "East", "OFF-PA-1", "Glossy Paper", "5", "1"),
        ],
    )

    run_import(path)

    assert codes() == [
        "OFF-PA-1",
        "OFF-PA-1-2",
        "OFF-PA-1-2-R",
        "OFF-PA-1-3",
        "OFF-PA-1-3-R",
        "OFF-PA-1-R",
    ]
    assert Sku.objects.get(code="OFF-PA-1-2").name == "Photo Paper"
    assert Sku.objects.get(code="OFF-PA-1-3").name == "Glossy Paper"


def test_it_keys_names_with_odd_spaces_as_one_product(tmp_path):
    path = write_orders(
        tmp_path / "orders.csv",
        [
            sale("O-1", "1/5/2016", "East", "LAMP-1", "Desk\xa0Lamp ", "10", "1"),
            sale("O-2", "1/6/2016", "East", "LAMP-1", "Desk  Lamp", "10", "1"),
            sale("O-3", "1/7/2016", "West", "LAMP-1", " Desk Lamp", "10", "1"),
            sale(
                "O-3", "1/7/2016", "West", "ORG-1", "\u201cClassic\u201d Tray", "4", "1"
            ),
        ],
    )

    run_import(path)

    assert codes() == ["LAMP-1", "LAMP-1-R", "ORG-1", "ORG-1-R"]
    assert Sku.objects.get(code="LAMP-1").name == "Desk Lamp"
    assert Sku.objects.get(code="ORG-1").name == "\u201cClassic\u201d Tray"


def test_it_prices_by_the_most_common_unit_price_and_the_twin_at_70_percent(
    tmp_path,
):
    path = write_orders(
        tmp_path / "orders.csv",
        [
            sale(
                "O-1", "1/5/2016", "East", "LAMP-1", "Desk Lamp", "47.976", "3", "0.2"
            ),
            sale("O-2", "1/6/2016", "East", "LAMP-1", "Desk Lamp", "20.01", "1"),
            sale("O-3", "1/7/2016", "West", "LAMP-1", "Desk Lamp", "39.98", "2"),
        ],
    )

    run_import(path)

    lamp = Sku.objects.select_related("twin").get(code="LAMP-1")
    assert lamp.list_price == Decimal("19.99")
    assert lamp.condition == Condition.NEW
    assert lamp.twin.code == "LAMP-1-R"
    assert lamp.twin.condition == Condition.REFURBISHED
    assert lamp.twin.list_price == Decimal("13.99")
    assert lamp.twin.name == "Desk Lamp (refurbished)"
    assert lamp.twin.product_id == "LAMP-1"
    assert (lamp.twin.category, lamp.twin.sub_category) == ("Office Supplies", "Paper")


def test_it_survives_a_bom_quoted_commas_and_quotes_and_short_postal_codes(
    tmp_path,
):
    name = 'Bookcase, 5-Shelf "Oak"'
    path = write_orders(
        tmp_path / "orders.csv",
        [sale("O-1", "1/5/2016", "East", "FUR-1", name, "99", "1", Postal_Code="6824")],
        bom=True,
    )

    run_import(path)

    assert Sku.objects.get(code="FUR-1").name == name
    assert read_order_file(path)[0].postal_code == "06824"
    assert list(Warehouse.objects.values_list("code", flat=True)) == ["EAST"]


def test_it_stocks_each_region_from_its_own_sales_over_the_files_span(tmp_path):
    # 1/1/2015 to 12/31/2016 is 731 days.
    path = write_orders(
        tmp_path / "orders.csv",
        [
            sale("O-1", "1/1/2015", "East", "CHAIR-1", "Chair", "1000", "100"),
            sale("O-2", "6/1/2015", "Central", "PEN-1", "Pen", "2", "1"),
            sale("O-3", "12/31/2016", "West", "CHAIR-1", "Chair", "30", "3"),
        ],
    )

    run_import(path)

    chair = Sku.objects.get(code="CHAIR-1")
    assert list(Warehouse.objects.values_list("code", "name")) == [
        ("CENTRAL", "Central"),
        ("EAST", "East"),
        ("WEST", "West"),
    ]
    # A year of sales: ceil(100 * 365 / 731) = 50, and at least 4.
    assert level(chair, "EAST").on_hand == 50
    assert level(chair, "WEST").on_hand == 4
    assert level(chair, "CENTRAL").on_hand == 0
    assert level("PEN-1", "CENTRAL").on_hand == 4
    assert level("CHAIR-1-R", "EAST").on_hand == 0
    # 30 days of sales: ceil(103 * 30 / 731) = 5.
    assert chair.low_stock_threshold == 5
    assert Sku.objects.get(code="PEN-1").low_stock_threshold == 4
    assert row_counts() == {
        "Sku": 4,
        "Warehouse": 3,
        "StockLevel": 12,
        "LedgerEntry": 3,
        "StockEvent": 3,
    }
    assert chair.sequence == 2


def test_it_reads_a_file_shorter_than_a_year_as_a_year(tmp_path):
    path = write_orders(
        tmp_path / "orders.csv",
        [
            sale("O-1", "1/1/2016", "East", "PAPER-1", "Paper", "60", "6"),
            sale("O-2", "1/2/2016", "East", "PAPER-1", "Paper", "10", "1"),
        ],
    )

    run_import(path)

    assert level("PAPER-1", "EAST").on_hand == 7


def test_it_changes_nothing_when_the_same_file_comes_again(tmp_path):
    path = write_orders(
        tmp_path / "orders.csv",
        [
            sale("O-1", "1/5/2016", "East", "OFF-PA-1", "Copy Paper", "20", "2"),
            sale("O-2", "1/6/2016", "West", "OFF-PA-1", "Photo Paper", "30", "1"),
        ],
    )
    run_import(path)
    before = row_counts()

    output = run_import(path)

    assert before == {
        "Sku": 4,
        "Warehouse": 2,
        "StockLevel": 8,
        "LedgerEntry": 2,
        "StockEvent": 2,
    }
    assert row_counts() == before
    assert output == "imported 2 lines: 0 new products, 0 new warehouses"


def test_it_adds_only_the_new_products_and_regions_of_a_second_file(tmp_path):
    first = write_orders(
        tmp_path / "first.csv",
        [sale("O-1", "1/5/2016", "East", "OFF-PA-1", "Copy Paper", "50", "5")],
    )
    second = write_orders(
        tmp_path / "second.csv",
        [
            sale("O-7", "2/5/2016", "East", "OFF-PA-1", "Copy Paper", "500", "50"),
            sale("O-8", "2/6/2016", "South", "OFF-PA-1", "Copy Paper", "20", "2"),
            sale("O-8", "2/6/2016", "South", "OFF-PA-1", "Glossy Paper", "9", "1"),
            sale("O-9", "2/7/2016", "East", "TEC-1", "Desk Phone", "80", "1"),
        ],
    )
    run_import(first)

    output = run_import(second)

    assert output == "imported 4 lines: 2 new products, 1 new warehouses"
    assert codes() == [
        "OFF-PA-1",
        "OFF-PA-1-2",
        "OFF-PA-1-2-R",
        "OFF-PA-1-R",
        "TEC-1",
        "TEC-1-R",
    ]
    assert Sku.objects.get(code="OFF-PA-1-2").name == "Glossy Paper"
    assert level("OFF-PA-1", "EAST").on_hand == 5
    assert level("OFF-PA-1", "SOUTH").on_hand == 0
    assert level("OFF-PA-1-R", "SOUTH").on_hand == 0
    assert level("OFF-PA-1-2", "SOUTH").on_hand == 4
    assert level("OFF-PA-1-2", "EAST").on_hand == 0
    assert level("TEC-1", "EAST").on_hand == 4
    assert StockLevel.objects.count() == 6 * 2


def broken_header():
    return [column for column in HEADER if column != "Quantity"]


GOOD = [
    sale("O-1", "1/5/2016", "East", "OFF-PA-1", "Copy Paper", "20", "2"),
    sale("O-2", "1/6/2016", "West", "OFF-PA-2", "Photo Paper", "30", "1"),
]


@pytest.mark.parametrize(
    ("bad", "line", "column", "problem"),
    [
        ({"Order Date": "2016-01-07"}, 4, "Order Date", "not a date"),
        ({"Order Date": "2/30/2016"}, 4, "Order Date", "not a real date"),
        ({"Order Date": "12/30/9999"}, 4, "Order Date", "not from 1900 to 2199"),
        ({"Order Date": "1/5/0001"}, 4, "Order Date", "not from 1900 to 2199"),
        ({"Quantity": "two"}, 4, "Quantity", "not a whole number"),
        ({"Quantity": "0"}, 4, "Quantity", "not positive"),
        ({"Sales": "12,5"}, 4, "Sales", "not a number"),
        ({"Discount": "1"}, 4, "Discount", "not a fraction"),
        ({"Product ID": " "}, 4, "Product ID", "is empty"),
        ({"Region": ""}, 4, "Region", "is empty"),
    ],
)
def test_it_refuses_a_bad_line_naming_file_line_and_column(
    tmp_path, bad, line, column, problem
):
    third = {**sale("O-3", "1/7/2016", "East", "OFF-PA-3", "Pad", "3", "1"), **bad}
    path = write_orders(tmp_path / "orders.csv", [*GOOD, third])

    with pytest.raises(CommandError) as refused:
        run_import(path)

    message = str(refused.value)
    assert message.startswith(f"{path}, line {line}, column {column!r}: ")
    assert problem in message
    assert set(row_counts().values()) == {0}


def test_it_refuses_a_file_missing_a_column(tmp_path):
    path = write_orders(tmp_path / "orders.csv", GOOD, header=broken_header())

    with pytest.raises(CommandError) as refused:
        run_import(path)

    assert str(refused.value) == (
        f"{path}, line 1, column 'Quantity': missing from the header"
    )
    assert set(row_counts().values()) == {0}


def test_it_refuses_a_header_naming_a_column_twice(tmp_path):
    path = write_orders(tmp_path / "orders.csv", GOOD, header=[*HEADER, "Quantity"])

    with pytest.raises(CommandError) as refused:
        run_import(path)

    assert str(refused.value) == (
        f"{path}, line 1, column 'Quantity': named twice in the header"
    )
    assert set(row_counts().values()) == {0}


def test_it_refuses_a_file_that_is_not_utf8(tmp_path):
    path = write_orders(
        tmp_path / "orders.csv",
        [*GOOD, sale("O-3", "1/7/2016", "East", "FUR-9", "Cafe Table", "3", "1")],
    )
    path.write_bytes(path.read_bytes().replace(b"Cafe", b"Caf\xe9"))

    with pytest.raises(CommandError) as refused:
        run_import(path)

    assert str(refused.value).startswith(
        f"{path}, line 4, column 'Product Name': byte 0xe9 is not UTF-8"
    )
    assert set(row_counts().values()) == {0}


def test_it_refuses_a_line_with_too_few_fields(tmp_path):
    path = write_orders(tmp_path / "orders.csv", GOOD)
    with open(path, "a", encoding="utf-8") as out:
        out.write("3,O-3,1/7/2016\n")

    with pytest.raises(CommandError) as refused:
        run_import(path)

    assert str(refused.value).startswith(f"{path}, line 4, column 'Region': missing")
    assert set(row_counts().values()) == {0}


@pytest.mark.parametrize(
    ("content", "problem"),
    [("", "the file is empty"), (",".join(HEADER) + "\n", "no order lines")],
)
def test_it_refuses_an_empty_file(tmp_path, content, problem):
    path = tmp_path / "orders.csv"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(CommandError) as refused:
        run_import(path)

    assert str(refused.value).startswith(f"{path}")
    assert problem in str(refused.value)


def test_it_needs_a_file_argument():
    with pytest.raises(CommandError, match="file"):
        call_command("import_catalog")


def test_it_draws_a_progress_bar_on_a_terminal(tmp_path, monkeypatch):
    path = write_orders(tmp_path / "orders.csv", GOOD)
    monkeypatch.setattr(import_catalog, "is_terminal", lambda stream: True)
    out, err = io.StringIO(), io.StringIO()

    call_command("import_catalog", str(path), stdout=out, stderr=err)

    assert "importing: 2 lines" in err.getvalue()
    assert out.getvalue() == "imported 2 lines: 2 new products, 2 new warehouses\n"


def test_it_prints_a_plain_count_elsewhere(tmp_path):
    path = write_orders(tmp_path / "orders.csv", GOOD)
    out, err = io.StringIO(), io.StringIO()

    call_command("import_catalog", str(path), stdout=out, stderr=err)

    assert err.getvalue() == ""
    assert out.getvalue() == "imported 2 lines: 2 new products, 2 new warehouses\n"


def test_it_imports_ten_thousand_lines_in_seconds(tmp_path):
    regions = ("East", "West", "Central", "South")
    rows = [
        sale(
            f"O-{n // 3}",
            f"{n % 12 + 1}/{n % 28 + 1}/2016",
            regions[n % 4],
            f"OFF-{n % 2000:05d}",
            f"Product {n % 2000}",
            "10",
            "1",
        )
        for n in range(10_000)
    ]
    path = write_orders(tmp_path / "orders.csv", rows)

    started = time.monotonic()
    output = run_import(path)
    elapsed = time.monotonic() - started

    assert output == "imported 10000 lines: 2000 new products, 4 new warehouses"
    assert StockLevel.objects.count() == 2000 * 2 * 4
    # Generous against a slow machine; the real figure is about a second.
    assert elapsed < 20


@pytest.mark.django_db(transaction=True)
def test_two_imports_of_one_new_file_at_once_both_succeed_and_add_it_once(
    tmp_path,
):
    path = write_orders(tmp_path / "orders.csv", GOOD)

    results = run_together([lambda: run_import(path), lambda: run_import(path)])

    assert sorted(results) == [
        "imported 2 lines: 0 new products, 0 new warehouses",
        "imported 2 lines: 2 new products, 2 new warehouses",
    ]
    assert codes() == ["OFF-PA-1", "OFF-PA-1-R", "OFF-PA-2", "OFF-PA-2-R"]
    assert DemandLine.objects.count() == 2
