"""A shopper in a real Chromium: catalog, product, cart, checkout."""

import os

import pytest

from orders.models import Order
from tests.conftest import level

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
]


@pytest.fixture
def page():
    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is missing: `make test` installs it")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's
    # own ORM reads are still plain synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=FLAGS
        )
        yield browser.new_page()
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def test_it_sells_a_chair_through_the_pages(page, live_server, make_sku):
    chair = make_sku("CHAIR-BRW", WEST=3)

    page.goto(f"{live_server.url}/?q=CHAIR-BRW")
    page.get_by_role("link", name=chair.name).first.click()
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    page.goto(f"{live_server.url}/cart/")
    page.get_by_role("link", name="Check out").click()
    page.get_by_label("Email").fill("buyer@example.com")
    page.get_by_role("button", name="Place order").click()

    page.wait_for_url("**/orders/*/")
    assert Order.objects.get().email == "buyer@example.com"
    west = level(chair, "WEST")
    assert (west.on_hand, west.reserved, west.committed) == (3, 0, 2)
