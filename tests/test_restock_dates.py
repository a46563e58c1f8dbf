"""A restock date is a calendar date: no time zone and no DST change may
move it by a day, from the vendor's webhook to the page."""

import os
import time
from datetime import date

import pytest

from tests.test_vendor_webhooks import apply_tasks_in_process, event, post, vendor

pytestmark = pytest.mark.postgres
__all__ = ["apply_tasks_in_process", "vendor"]

ZONES = [
    "America/New_York",
    "Pacific/Kiritimati",  # UTC+14
    "Pacific/Pago_Pago",  # UTC-11
    "Australia/Lord_Howe",  # a half-hour DST shift
]
# The days the clocks change in New York and in Lord Howe, and a new year.
DAYS = ["2026-03-08", "2026-11-01", "2026-04-05", "2026-10-04", "2027-01-01"]


@pytest.fixture
def process_zone():
    """Run the test with the process's own zone changed too, as a server
    started with another TZ would run."""
    before = os.environ.get("TZ")

    def switch(zone: str) -> None:
        os.environ["TZ"] = zone
        time.tzset()

    yield switch
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.mark.parametrize("zone", ZONES)
def test_an_eta_reads_the_same_day_everywhere(
    zone, settings, process_zone, make_sku, api, client
):
    settings.STORE_TIME_ZONE = settings.TIME_ZONE = zone
    process_zone(zone)
    skus = [make_sku(f"ETA-{n}") for n in range(len(DAYS))]
    lines = [
        {"sku": sku.code, "warehouse": "EAST", "quantity": 5, "eta": day}
        for sku, day in zip(skus, DAYS, strict=True)
    ]

    answer = post(event("shipment.incoming", lines, event_id=f"eta-{zone}"))

    assert answer.status_code == 202
    for sku, day in zip(skus, DAYS, strict=True):
        figures = api.get(f"/api/v1/skus/{sku.code}/availability").json()
        assert (figures["status"], figures["restock_eta"]) == ("restocking", day)
        page = client.get(f"/products/{sku.code}/").content.decode()
        shown = date.fromisoformat(day)
        assert f'datetime="{day}">{shown:%B} {shown.day}, {shown.year}<' in page


def test_the_api_answers_in_utc_and_pages_in_the_stores_zone(
    settings, make_sku, api, admin_client
):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from django.utils import formats

    settings.STORE_TIME_ZONE = "Pacific/Kiritimati"
    sku = make_sku("TZ-1", EAST=3)

    hold = api.post(
        "/api/v1/reservations",
        {"lines": [{"sku": sku.code, "quantity": 1}]},
        format="json",
    ).json()
    page = admin_client.get("/admin/inventory/reservation/").content.decode()

    assert hold["expires_at"].endswith("Z")
    expires = datetime.fromisoformat(hold["expires_at"].replace("Z", "+00:00"))
    local = expires.astimezone(ZoneInfo("Pacific/Kiritimati"))
    assert formats.date_format(local, "DATETIME_FORMAT") in page
    assert formats.date_format(expires, "DATETIME_FORMAT") not in page
