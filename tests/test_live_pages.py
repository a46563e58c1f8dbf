"""The storefront's live script in a real Chromium, against a real ASGI
server: figures change on open pages as stock changes elsewhere.

pytest-django's live_server speaks WSGI and has no WebSockets, so each
test starts uvicorn on the test database, with the relay in it, and
changes stock through the services in this process, as another shopper
or a clerk would.
"""

import pytest

from inventory import services
from orders.services import order_place
from tests.servers import asgi_server

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

# Long enough for the socket, the relay and a poll round; a passing run
# waits only as long as the change takes to show.
SOON = 10_000
LOW = "Low stock: only a few left"


@pytest.fixture
def shop(transactional_db, warehouses):
    """Serve the shop over ASGI on a free port; yield its base URL."""
    with asgi_server() as url:
        yield url


def shopper(browser):
    """Return a page in a browser context of its own (its own cart)."""
    return browser.new_context().new_page()


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def on_socket(page) -> None:
    expect(page.locator("body")).to_have_attribute(
        "data-live-state", "socket", timeout=SOON
    )


def buy(code: str, quantity: int, *, ship_to: str = "EAST") -> None:
    """Another shopper holds and orders units, as checkout does."""
    hold = services.reservation_create(
        lines=[(code, quantity)], ship_to=ship_to, actor="another shopper"
    )
    order_place(reservation_id=hold.pk, email="other@example.com", actor="test")


def hold(code: str, quantity: int) -> None:
    services.reservation_create(lines=[(code, quantity)], actor="another shopper")


def restock(code: str, units: int) -> None:
    services.stock_adjust(
        sku_code=code, warehouse_code="EAST", reason="found", actor="clerk", delta=units
    )


def warehouse_available(page, code: str):
    return page.locator(f'tr[data-warehouse="{code}"] td').first


def test_it_shows_a_purchase_on_another_open_product_page(shop, browser, make_sku):
    make_sku("LIVE-DESK", threshold=2, EAST=3, WEST=1)
    buyer, watcher = shopper(browser), shopper(browser)
    for page in (buyer, watcher):
        page.goto(f"{shop}/products/LIVE-DESK/")
        on_socket(page)
    expect(watcher.locator(".available-total")).to_have_text("4 available")

    buyer.get_by_label("Quantity").fill("3")
    buyer.get_by_role("button", name="Add to cart").click()
    buyer.get_by_role("link", name="Check out").click()
    buyer.get_by_label("Email").fill("buyer@example.com")
    buyer.get_by_label("Ship to region").select_option("EAST")
    buyer.get_by_role("button", name="Place order").click()
    buyer.wait_for_url("**/orders/*/")

    stock = watcher.locator("section.stock")
    expect(stock.locator(".badge")).to_have_text(LOW, timeout=SOON)
    expect(stock.locator(".badge")).to_have_class("badge badge-low_stock")
    expect(stock.locator(".available-total")).to_have_text("1 available")
    expect(warehouse_available(watcher, "EAST")).to_have_text("0", timeout=SOON)
    expect(warehouse_available(watcher, "WEST")).to_have_text("1")
    expect(watcher.locator("#live-announcer")).to_have_text(
        f"Product LIVE-DESK: {LOW}", timeout=SOON
    )


def test_it_flags_a_cart_line_when_another_shopper_takes_the_last_units(
    shop, browser, make_sku
):
    make_sku("LIVE-LAMP", EAST=2)
    page = shopper(browser)
    page.goto(f"{shop}/products/LIVE-LAMP/")
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url("**/cart/")
    on_socket(page)
    row = page.locator('tr[data-sku="LIVE-LAMP"]')
    checkout = page.get_by_role("link", name="Check out")
    expect(checkout).to_be_visible()

    hold("LIVE-LAMP", 1)

    expect(row.locator("[data-problem]")).to_have_text("Only 1 left", timeout=SOON)
    expect(row).to_have_class("line-problem")
    expect(checkout).to_be_hidden()
    blocked = page.get_by_role("button", name="Check out: fix 1 line first")
    expect(blocked).to_be_disabled()
    expect(page.locator(".fixes li")).to_have_text(
        ["Product LIVE-LAMP: lower it to 1 or remove it"]
    )

    hold("LIVE-LAMP", 1)

    expect(row.locator("[data-problem]")).to_have_text("Out of stock", timeout=SOON)
    expect(page.locator(".fixes li")).to_have_text(
        ["Product LIVE-LAMP: out of stock, remove it"]
    )

    restock("LIVE-LAMP", 5)

    expect(row.locator("[data-restored]")).to_have_text("Available again", timeout=SOON)
    expect(row.locator("[data-problem]")).to_be_hidden()
    expect(row.locator(".badge")).to_have_text("In stock")
    expect(checkout).to_be_visible()
    expect(blocked).to_be_hidden()


def test_it_polls_while_sockets_fail_and_returns_to_the_socket(shop, browser, make_sku):
    make_sku("LIVE-SHELF", threshold=1, EAST=4)
    blocked = {"now": True}

    def socket_route(ws) -> None:
        if blocked["now"]:
            ws.close()
        else:
            ws.connect_to_server()

    page = shopper(browser)
    page.route_web_socket("**/ws/inventory/", socket_route)
    page.goto(f"{shop}/products/LIVE-SHELF/")
    body = page.locator("body")
    expect(body).to_have_attribute("data-live-state", "polling", timeout=SOON)

    buy("LIVE-SHELF", 3)

    expect(page.locator("section.stock .badge")).to_have_text(LOW, timeout=SOON)
    expect(page.locator(".available-total")).to_have_text("1 available")
    expect(warehouse_available(page, "EAST")).to_have_text("1")
    expect(body).to_have_attribute("data-live-state", "polling")

    blocked["now"] = False
    # The browser saying it is online again makes the page retry now
    # rather than at its next retry, 15 to 30 s away.
    page.context.set_offline(True)
    page.context.set_offline(False)
    on_socket(page)
    buy("LIVE-SHELF", 1)

    expect(page.locator("section.stock .badge")).to_have_text(
        "Out of stock", timeout=SOON
    )
    expect(page.get_by_role("button", name="Out of stock")).to_be_disabled()
    expect(body).to_have_attribute("data-live-state", "socket")


def test_it_asks_again_when_a_change_goes_missing(shop, browser, make_sku):
    make_sku("LIVE-PEN", threshold=1, EAST=5)
    dropped = []

    def lossy_route(ws) -> None:
        server = ws.connect_to_server()

        def forward(message) -> None:
            # Lose the first change, as a channel layer may under load.
            if '"inventory_updated"' in message and not dropped:
                dropped.append(message)
                return
            ws.send(message)

        server.on_message(forward)

    page = shopper(browser)
    page.route_web_socket("**/ws/inventory/", lossy_route)
    page.goto(f"{shop}/?q=LIVE-PEN")
    on_socket(page)
    badge = page.locator('.badge[data-sku="LIVE-PEN"]')

    hold("LIVE-PEN", 1)
    hold("LIVE-PEN", 3)

    expect(badge).to_have_text(LOW, timeout=SOON)
    expect(badge).to_have_attribute("data-sequence", "3")
    assert len(dropped) == 1


def test_it_updates_a_catalog_badge_live(shop, browser, make_sku):
    make_sku("LIVE-CHAIR", threshold=2, EAST=3)
    make_sku("LIVE-TABLE", EAST=1)
    page = shopper(browser)
    page.goto(f"{shop}/?q=LIVE-")
    on_socket(page)
    chair = page.locator('.badge[data-sku="LIVE-CHAIR"]')
    table = page.locator('.badge[data-sku="LIVE-TABLE"]')
    expect(chair).to_have_text("In stock")

    buy("LIVE-CHAIR", 3)

    expect(chair).to_have_text("Out of stock", timeout=SOON)
    expect(chair).to_have_class("badge badge-out_of_stock")
    expect(chair).to_have_attribute("data-status", "out_of_stock")
    expect(table).to_have_text("In stock")
    expect(page.locator("#live-announcer")).to_have_text(
        "Product LIVE-CHAIR: Out of stock", timeout=SOON
    )
