"""Demand history kept on import, the forecasts refreshed from it, and
where they show: the staff API, restock suggestions, product pages and
the SKU's admin page."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from catalog.importer import catalog_import
from forecasting import tasks
from forecasting.models import DemandLine, LevelForecast
from forecasting.selectors import store_today
from forecasting.services import forecasts_refresh
from inventory import restock, services
from inventory.models import RestockSuggestion
from tests.conftest import level
from tests.orderfiles import sale, write_orders

pytestmark = pytest.mark.django_db


def paper(order, day, quantity, product="OFF-PA-1", name="Copy paper"):
    return sale(order, day, "East", product, name, "10", str(quantity))


# Two weeks in EAST: 14 units of copy paper and 7 of note pads, both
# Paper, so the pool sells 1.5 a day. The pool's units per product have
# mean 10.5 and variance 12.25, so each product's units are shrunk by
# 10.5^2 / (12.25 - 10.5) = 63: paper takes 77 / 147 of the pool (0.7857
# a day) and note pads 70 / 147 (0.7143 a day).
ROWS = [
    paper("CA-1", "1/4/2016", 3),
    paper("CA-2", "1/5/2016", 7, "OFF-PA-2", "Note pads"),
    paper("CA-3", "1/10/2016", 7),
    paper("CA-4", "1/17/2016", 4),
]


@pytest.fixture
def imported(tmp_path):
    path = write_orders(tmp_path / "orders.csv", ROWS)
    catalog_import(path=path)
    return path


@pytest.fixture
def refreshed(imported):
    forecasts_refresh()


def forecast_url(code: str) -> str:
    return f"/api/v1/skus/{code}/forecast"


def test_it_keeps_each_imported_line_once(imported, tmp_path):
    catalog_import(path=imported)
    overlapping = write_orders(
        tmp_path / "more.csv", [*ROWS[2:], paper("CA-5", "1/18/2016", 2)]
    )
    catalog_import(path=overlapping)

    assert DemandLine.objects.count() == 5
    assert sorted(DemandLine.objects.values_list("quantity", flat=True)) == [
        2,
        3,
        4,
        7,
        7,
    ]


def test_it_keeps_a_line_once_when_its_region_is_spelled_otherwise(imported, tmp_path):
    lower = [{**row, "Region": " east "} for row in ROWS]
    catalog_import(path=write_orders(tmp_path / "lower.csv", lower))

    assert DemandLine.objects.count() == 4


def test_it_keeps_identical_lines_of_one_order_apart(tmp_path):
    twice = [paper("CA-1", "1/4/2016", 3), paper("CA-1", "1/4/2016", 3)]
    catalog_import(path=write_orders(tmp_path / "twice.csv", twice))

    assert DemandLine.objects.count() == 2
    assert len(set(DemandLine.objects.values_list("key", flat=True))) == 2


def test_it_queues_a_refresh_once_the_import_commits(
    tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(tasks.forecasts_refresh, "delay", lambda: queued.append(1))

    with django_capture_on_commit_callbacks(execute=True):
        catalog_import(path=write_orders(tmp_path / "o.csv", ROWS))

    assert queued == [1]


def test_it_forecasts_each_level_from_its_share_of_the_pool(refreshed):
    paper_east = LevelForecast.objects.get(level=level("OFF-PA-1"))
    pads_east = LevelForecast.objects.get(level=level("OFF-PA-2"))

    # Fourteen days of history fit the pool's mean, 21 / 14 a day,
    # shared out as worked out above.
    assert paper_east.daily_demand == Decimal("0.786")
    assert pads_east.daily_demand == Decimal("0.714")
    assert paper_east.starts_on == store_today()
    assert len(paper_east.daily) == settings.FORECAST_HORIZON_DAYS
    assert set(paper_east.daily) == {0.7857}
    assert paper_east.order_up_to > paper_east.reorder_point >= 0
    assert LevelForecast.objects.count() == 2


def test_the_api_answers_the_refreshed_figures(refreshed, staff_api):
    stored = LevelForecast.objects.get(level=level("OFF-PA-1"))

    response = staff_api.get(forecast_url("OFF-PA-1"))

    # Import stocked a year of sales, 14 units: 17.8 days at 0.786 a
    # day; 17 days of 0.7857 take 13.36, the 18th runs out.
    assert response.status_code == 200
    assert response.json() == {
        "sku": "OFF-PA-1",
        "warehouses": [
            {
                "warehouse": "EAST",
                "daily_demand": 0.786,
                "days_of_cover": 17.8,
                "stockout_date": (store_today() + timedelta(days=17)).isoformat(),
                "reorder_point": stored.reorder_point,
                "order_up_to": stored.order_up_to,
            }
        ],
    }


def test_the_command_refreshes_what_the_api_answers(imported, staff_api):
    out = StringIO()
    call_command("forecast_refresh", stdout=out)

    body = staff_api.get(forecast_url("OFF-PA-2")).json()
    stored = LevelForecast.objects.get(level=level("OFF-PA-2"))

    assert out.getvalue() == "forecasts refreshed: 2 levels\n"
    assert body["warehouses"][0]["reorder_point"] == stored.reorder_point
    assert body["warehouses"][0]["order_up_to"] == stored.order_up_to
    # 7 units at 0.714 a day; ten days of 0.7143 take 7.14.
    assert body["warehouses"][0]["daily_demand"] == 0.714
    assert body["warehouses"][0]["days_of_cover"] == 9.8
    assert (
        body["warehouses"][0]["stockout_date"]
        == (store_today() + timedelta(days=9)).isoformat()
    )


def test_it_follows_the_stock_between_refreshes(refreshed, staff_api):
    services.stock_adjust(
        sku_code="OFF-PA-1",
        warehouse_code="EAST",
        counted=100,
        reason="count",
        actor="clerk",
    )

    entry = staff_api.get(forecast_url("OFF-PA-1")).json()["warehouses"][0]

    # 127.2 days of cover; 90 days take 70.7, so no stock-out is seen.
    assert entry["days_of_cover"] == 127.2
    assert entry["stockout_date"] is None


def test_it_answers_404_for_an_unknown_sku(refreshed, staff_api):
    response = staff_api.get(forecast_url("NOPE-1"))

    assert response.status_code == 404
    assert response.json()["error"] == "unknown_sku"


def test_it_lists_no_warehouse_for_a_sku_without_a_forecast(
    refreshed, staff_api, make_sku
):
    make_sku("NEW-1", EAST=5)

    response = staff_api.get(forecast_url("NEW-1"))

    assert response.json() == {"sku": "NEW-1", "warehouses": []}


def test_it_refuses_a_caller_without_a_token(refreshed, api):
    response = api.get(forecast_url("OFF-PA-1"))

    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


def test_it_refuses_a_customer(refreshed, customer_api):
    response = customer_api.get(forecast_url("OFF-PA-1"))

    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"


def test_restock_takes_the_forecasts_levels(refreshed):
    stored = LevelForecast.objects.get(level=level("OFF-PA-1"))
    services.stock_adjust(
        sku_code="OFF-PA-1",
        warehouse_code="EAST",
        counted=stored.reorder_point,
        reason="count",
        actor="clerk",
    )

    restock.suggestions_refresh()

    found = RestockSuggestion.objects.get(level=level("OFF-PA-1"))
    assert found.reorder_point == stored.reorder_point
    assert found.order_up_to == stored.order_up_to
    assert found.quantity == stored.order_up_to - stored.reorder_point
    assert found.daily_demand == Decimal("0.79")


def test_restock_keeps_the_old_rule_without_a_forecast(refreshed, make_sku):
    make_sku("NEW-1", EAST=0)

    restock.suggestions_refresh()

    # No demand in the last 28 days and no forecast: nothing to reorder.
    assert not RestockSuggestion.objects.filter(level=level("NEW-1")).exists()


def test_the_task_refreshes_the_forecasts(imported):
    assert tasks.forecasts_refresh() == 2
    assert LevelForecast.objects.count() == 2


def test_the_nightly_refresh_is_scheduled():
    entry = settings.CELERY_BEAT_SCHEDULE["refresh-forecasts"]

    assert entry["task"] == "forecasting.tasks.forecasts_refresh"
    assert entry["schedule"].hour == {settings.FORECAST_REFRESH_HOUR}


def test_a_product_page_says_selling_fast_under_a_week_of_cover(refreshed, client):
    services.stock_adjust(
        sku_code="OFF-PA-1",
        warehouse_code="EAST",
        counted=5,
        reason="count",
        actor="clerk",
    )

    # Paper: 5 units at 0.786 a day, 6.4 days; note pads 9.8 days.
    fast = client.get("/products/OFF-PA-1/").content.decode()
    calm = client.get("/products/OFF-PA-2/").content.decode()

    assert "Selling fast" in fast
    assert "Selling fast" not in calm


def test_a_product_page_out_of_stock_does_not_say_selling_fast(refreshed, client):
    services.stock_adjust(
        sku_code="OFF-PA-1",
        warehouse_code="EAST",
        counted=0,
        reason="count",
        actor="clerk",
    )

    page = client.get("/products/OFF-PA-1/").content.decode()

    assert "Selling fast" not in page


def test_the_sku_admin_page_draws_the_forecast_beside_history(refreshed, admin_client):
    from catalog.models import Sku

    sku = Sku.objects.get(code="OFF-PA-1")

    page = admin_client.get(f"/admin/catalog/sku/{sku.pk}/change/").content.decode()

    assert 'id="demand-chart"' in page
    assert 'class="forecast"' in page
    # 90 days at 0.7857 a day.
    assert "70.7 units in all" in page


def test_a_product_page_says_selling_fast_at_a_cover_just_under_a_week(
    refreshed, client
):
    services.stock_adjust(
        sku_code="OFF-PA-1",
        warehouse_code="EAST",
        counted=5,
        reason="count",
        actor="clerk",
    )
    LevelForecast.objects.filter(level__sku__code="OFF-PA-1").update(
        daily_demand=Decimal("0.718")
    )

    # 5 units at 0.718 a day last 6.96 days, shown to a tenth as 7.0.
    page = client.get("/products/OFF-PA-1/").content.decode()

    assert "Selling fast" in page
