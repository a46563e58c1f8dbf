"""A shopper in a real Chromium: catalog, product, cart, checkout."""

import pytest

from orders.models import Order
from tests.conftest import level

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


@pytest.fixture
def page(browser):
    return browser.new_page()


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
