"""The storefront pages, driven through their HTML forms."""

import re
from datetime import date

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import Sku
from inventory import services
from inventory.models import Reservation, StockLevel
from orders.models import Order
from tests.conftest import level

pytestmark = pytest.mark.django_db

CATALOG = reverse("catalog:catalog")
CART = reverse("orders:cart")
CHECKOUT = reverse("orders:checkout")


def product_url(code: str) -> str:
    return reverse("catalog:product", args=[code])


def rename(sku: Sku, **fields) -> None:
    Sku.objects.filter(pk=sku.pk).update(**fields)


def restock_soon(sku: Sku, warehouse: str, *, units: int, eta: date) -> None:
    StockLevel.objects.filter(sku=sku, warehouse__code=warehouse).update(
        incoming=units, restock_eta=eta
    )


def set_cart(client: Client, cart: object) -> None:
    """Store ``cart`` in the client's signed-cookie session as it is."""
    session = client.session
    session["cart"] = cart
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key


def cart_of(client: Client) -> dict:
    return client.session.get("cart", {})


def add(client: Client, code: str, quantity: object):
    return client.post(product_url(code), {"quantity": quantity})


def checkout_token(client: Client) -> str:
    page = client.get(CHECKOUT).content.decode()
    return re.search(r'name="token" value="([^"]+)"', page).group(1)


def place(client: Client, *, email="ann@example.com", ship_to="", token=None):
    token = token or checkout_token(client)
    form = {"email": email, "ship_to": ship_to, "token": token}
    return client.post(CHECKOUT, form)


# The catalog


def test_it_lists_new_products_with_status_in_words(client, make_sku):
    make_sku("CHAIR-1", threshold=2, EAST=10)
    make_sku("DESK-1", threshold=2, WEST=2)
    make_sku("LAMP-1")
    restock_soon(make_sku("SHELF-1"), "EAST", units=6, eta=date(2026, 12, 20))

    page = client.get(CATALOG).content.decode()

    assert "4 products" in page
    assert "CHAIR-1-R" not in page
    assert 'data-sku="CHAIR-1" data-sequence="1" data-status="in_stock"' in page
    assert 'data-sku="DESK-1" data-sequence="1" data-status="low_stock"' in page
    assert 'data-status="out_of_stock">Out of stock<' in page
    assert 'data-status="restocking">Out of stock, more on the way<' in page
    assert "Low stock: only a few left" in page


def test_it_searches_names_and_codes_ignoring_case(client, make_sku):
    rename(make_sku("OFF-PA-1"), name="Xerox Copy Paper")
    rename(make_sku("FUR-CH-7"), name="Hon Task Chair")
    rename(make_sku("TEC-PH-3"), name="Cisco Desk Phone")

    by_name = client.get(CATALOG, {"q": "xerox"}).context["cards"]
    by_code = client.get(CATALOG, {"q": "fur-ch"}).context["cards"]
    by_none = client.get(CATALOG, {"q": "stapler"})

    assert [c.sku.code for c in by_name] == ["OFF-PA-1"]
    assert [c.sku.code for c in by_code] == ["FUR-CH-7"]
    assert by_none.context["cards"] == []
    assert "No products match" in by_none.content.decode()


def test_it_filters_by_category_and_sub_category(client, make_sku):
    rename(make_sku("CH-1"), category="Furniture", sub_category="Chairs")
    rename(make_sku("TB-1"), category="Furniture", sub_category="Tables")
    rename(make_sku("PH-1"), category="Technology", sub_category="Phones")

    furniture = client.get(CATALOG, {"category": "Furniture"})
    tables = client.get(CATALOG, {"category": "Furniture", "sub_category": "Tables"})
    stale_sub = client.get(CATALOG, {"category": "Furniture", "sub_category": "Phones"})

    assert [c.sku.code for c in furniture.context["cards"]] == ["CH-1", "TB-1"]
    assert [c.sku.code for c in tables.context["cards"]] == ["TB-1"]
    assert [c.sku.code for c in stale_sub.context["cards"]] == ["CH-1", "TB-1"]
    choices = furniture.context["form"].fields["sub_category"].choices
    assert [value for value, _ in choices] == ["", "Chairs", "Tables"]


def test_it_refuses_an_unknown_category_as_a_form_error(client, make_sku):
    make_sku("CH-1")

    response = client.get(CATALOG, {"category": "Weapons", "page": "zzz"})

    assert response.status_code == 200
    assert response.context["form"].errors["category"]
    assert [c.sku.code for c in response.context["cards"]] == ["CH-1"]


def test_it_pages_by_24(client, make_sku):
    for n in range(30):
        make_sku(f"P-{n:02d}", EAST=1)

    first = client.get(CATALOG)
    second = client.get(CATALOG, {"page": 2})

    assert len(first.context["cards"]) == 24
    assert len(second.context["cards"]) == 6
    assert "Page 2 of 2" in second.content.decode()


def count_catalog_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(CATALOG)
    assert response.status_code == 200
    return len(queries)


def test_it_reads_the_catalog_in_the_same_queries_for_3_or_30(client, make_sku):
    for n in range(3):
        make_sku(f"A-{n:02d}", EAST=2)
    few = count_catalog_queries(client)

    for n in range(27):
        make_sku(f"B-{n:02d}", WEST=2)
    many = count_catalog_queries(client)

    assert few == many <= 5


# The product page


def test_it_shows_a_product_with_its_figures_and_twin(client, make_sku):
    sku = make_sku("DESK-1", threshold=3, EAST=5, WEST=2)

    response = client.get(product_url("DESK-1"))
    page = response.content.decode()

    assert response.status_code == 200
    assert "Product DESK-1" in page
    assert "$10.00" in page
    assert "New" in page
    assert "In stock" in page
    assert "7 available" in page
    assert 'data-sku="DESK-1" data-sequence="2"' in page
    figures = response.context["card"].figures["warehouses"]
    assert {w["warehouse"]: w["available"] for w in figures} == {
        "CENTRAL": 0,
        "EAST": 5,
        "SOUTH": 0,
        "WEST": 2,
    }
    assert f'href="{product_url(sku.twin.code)}"' in page
    assert "Also available refurbished" in page


def test_it_links_a_refurbished_twin_back_to_the_new_product(client, make_sku):
    make_sku("DESK-1", EAST=5)

    page = client.get(product_url("DESK-1-R")).content.decode()

    assert "Refurbished" in page
    assert "$7.00" in page
    assert "Also available new" in page
    assert f'href="{product_url("DESK-1")}"' in page


def test_it_shows_the_restock_date_when_restocking(client, make_sku):
    sku = make_sku("LAMP-2")
    restock_soon(sku, "SOUTH", units=8, eta=date(2026, 12, 20))

    page = client.get(product_url("LAMP-2")).content.decode()

    assert "Out of stock, more on the way" in page
    assert "Expected back on" in page
    assert "December 20, 2026" in page


def test_it_answers_404_for_an_unknown_sku(client, warehouses):
    response = client.get(product_url("NO-SUCH-SKU"))

    assert response.status_code == 404
    assert "Not found" in response.content.decode()


# The cart


def test_it_adds_to_the_cart(client, make_sku):
    make_sku("DESK-1", EAST=5)

    response = add(client, "DESK-1", "2")
    add(client, "DESK-1", "1")

    assert response.status_code == 302
    assert response.url == CART
    assert cart_of(client) == {"DESK-1": 3}
    cart_page = client.get(CART).content.decode()
    assert "$30.00" in cart_page
    assert "(3)" in cart_page


@pytest.mark.parametrize(
    "quantity, error",
    [
        ("abc", "Enter a whole number from 1 to 10,000."),
        ("2.5", "Enter a whole number from 1 to 10,000."),
        ("", "This field is required."),
        ("0", "Enter at least 1."),
        ("-3", "Enter at least 1."),
        ("10001", "Enter at most 10,000."),
        ("9" * 5000, "Enter a whole number from 1 to 10,000."),
        ("6", "Only 5 left."),
    ],
)
def test_it_refuses_a_bad_quantity_as_a_form_error(client, make_sku, quantity, error):
    make_sku("DESK-1", EAST=5)

    response = add(client, "DESK-1", quantity)

    assert response.status_code == 200
    assert response.context["form"].errors["quantity"] == [error]
    assert error in response.content.decode()
    assert cart_of(client) == {}


def test_it_refuses_to_add_an_out_of_stock_product(client, make_sku):
    make_sku("DESK-1")

    response = add(client, "DESK-1", "1")

    assert response.context["form"].errors["quantity"] == ["Out of stock."]
    assert cart_of(client) == {}


def test_it_answers_404_when_adding_an_unknown_sku(client, warehouses):
    assert add(client, "NO-SUCH-SKU", "1").status_code == 404


def test_it_updates_and_removes_cart_lines(client, make_sku):
    make_sku("DESK-1", EAST=5)
    make_sku("LAMP-1", EAST=5)
    add(client, "DESK-1", "1")
    add(client, "LAMP-1", "1")

    client.post(CART, {"sku": "DESK-1", "quantity": "4", "action": "update"})
    client.post(CART, {"sku": "LAMP-1", "quantity": "junk", "action": "remove"})

    assert cart_of(client) == {"DESK-1": 4}


@pytest.mark.parametrize(
    "form, field, error",
    [
        ({"sku": "DESK-1", "quantity": "0", "action": "update"}, "quantity", "least"),
        ({"sku": "DESK-1", "quantity": "x", "action": "update"}, "quantity", "whole"),
        ({"sku": "DESK-1", "quantity": "", "action": "update"}, "quantity", "Enter"),
        ({"sku": "DESK-1", "quantity": "9", "action": "update"}, "quantity", "Only 5"),
        ({"sku": "GHOST-1", "quantity": "1", "action": "update"}, "sku", "not in"),
        ({"sku": "DESK-1", "quantity": "1", "action": "explode"}, "action", "valid"),
    ],
)
def test_it_refuses_a_bad_cart_change_as_a_form_error(
    client, make_sku, form, field, error
):
    make_sku("DESK-1", EAST=5)
    add(client, "DESK-1", "2")

    response = client.post(CART, form)

    assert response.status_code == 200
    assert error in " ".join(response.context["form"].errors[field])
    assert cart_of(client) == {"DESK-1": 2}


@pytest.mark.parametrize(
    "stored",
    [
        "not a cart",
        7,
        None,
        ["DESK-1", 2],
        {"DESK-1": "2", "LAMP-1": -4, "CHAIR-1": 10**9, "": 1},
        {"GHOST-1": 2},
    ],
)
def test_it_survives_a_malformed_cart_in_the_session(client, make_sku, stored):
    make_sku("DESK-1", EAST=5)
    set_cart(client, stored)

    cart_page = client.get(CART)
    catalog_page = client.get(CATALOG)
    checkout_page = client.get(CHECKOUT)

    assert cart_page.status_code == 200
    assert "Your cart is empty" in cart_page.content.decode()
    assert catalog_page.status_code == 200
    assert checkout_page.status_code == 302


# Checkout


def test_it_places_an_order_through_the_forms(client, make_sku):
    make_sku("DESK-1", EAST=5, WEST=3)
    make_sku("LAMP-1", WEST=2)
    add(client, "DESK-1", "6")
    add(client, "LAMP-1", "2")

    response = place(client, ship_to="WEST")

    order = Order.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("orders:order", args=[order.pk])
    assert order.email == "ann@example.com"
    assert order.status == "placed"
    west, east = level("DESK-1", "WEST"), level("DESK-1", "EAST")
    assert (west.on_hand, west.reserved, west.committed) == (3, 0, 3)
    assert (east.on_hand, east.reserved, east.committed) == (5, 0, 3)
    lamp = level("LAMP-1", "WEST")
    assert (lamp.on_hand, lamp.reserved, lamp.committed) == (2, 0, 2)
    assert cart_of(client) == {}

    confirmation = client.get(response.url).content.decode()
    assert str(order.pk) in confirmation
    assert "Product DESK-1" in confirmation
    assert "West" in confirmation
    assert "East" in confirmation


def test_it_places_one_order_when_the_form_is_sent_twice(client, make_sku):
    make_sku("DESK-1", EAST=5)
    add(client, "DESK-1", "2")
    token = checkout_token(client)
    stale_cookie = client.cookies[settings.SESSION_COOKIE_NAME].value

    first = place(client, token=token)
    client.cookies[settings.SESSION_COOKIE_NAME] = stale_cookie
    second = place(client, token=token)

    assert Order.objects.count() == 1
    assert first.url == second.url
    assert level("DESK-1").committed == 2


def test_it_refuses_a_tampered_checkout_token(client, make_sku):
    make_sku("DESK-1", EAST=5)
    add(client, "DESK-1", "2")

    response = place(client, token="../../etc")

    assert response.status_code == 200
    assert "This form is out of date" in response.content.decode()
    assert Reservation.objects.count() == 0


def test_it_refuses_a_bad_checkout_form(client, make_sku):
    make_sku("DESK-1", EAST=5)
    add(client, "DESK-1", "2")

    response = place(client, email="not-an-email", ship_to="MOON")

    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"email", "ship_to"}
    assert level("DESK-1").reserved == 0
    assert Reservation.objects.count() == 0


def test_it_flags_a_cart_line_beyond_available_and_holds_nothing(client, make_sku):
    make_sku("DESK-1", EAST=5)
    make_sku("LAMP-1", EAST=5)
    add(client, "DESK-1", "4")
    add(client, "LAMP-1", "1")
    token = checkout_token(client)
    services.reservation_create(lines=[("DESK-1", 3)], actor="another shopper")

    cart_page = client.get(CART).content.decode()
    response = place(client, token=token)

    assert "Only 2 left" in cart_page
    assert "Product DESK-1: lower it to 2 or remove it" in cart_page
    assert "Check out: fix 1 line first" in cart_page
    assert response.status_code == 302
    assert response.url == CART
    after = client.get(CART).content.decode()
    assert "Not enough of DESK-1: you asked for 4, only 2 left." in after
    assert (level("DESK-1").reserved, level("LAMP-1").reserved) == (3, 0)
    assert Reservation.objects.count() == 1
    assert Order.objects.count() == 0
    assert cart_of(client) == {"DESK-1": 4, "LAMP-1": 1}


def test_it_sends_a_cart_with_a_short_line_back_from_checkout(client, make_sku):
    make_sku("DESK-1", EAST=5)
    add(client, "DESK-1", "5")
    services.reservation_create(lines=[("DESK-1", 5)])

    response = client.get(CHECKOUT)

    assert response.status_code == 302
    assert response.url == CART
    assert "Out of stock" in client.get(CART).content.decode()


def test_it_shows_an_order_only_to_the_browser_that_placed_it(client, make_sku):
    make_sku("DESK-1", EAST=5)
    add(client, "DESK-1", "1")
    url = place(client).url

    assert client.get(url).status_code == 200
    assert Client().get(url).status_code == 404


def test_it_enforces_csrf_on_every_form(make_sku):
    make_sku("DESK-1", EAST=5)
    browser = Client(enforce_csrf_checks=True)
    browser.get(product_url("DESK-1"))

    added = browser.post(product_url("DESK-1"), {"quantity": "1"})
    changed = browser.post(CART, {"sku": "DESK-1", "action": "remove"})
    placed = browser.post(CHECKOUT, {"email": "a@example.com"})

    assert (added.status_code, changed.status_code, placed.status_code) == (
        403,
        403,
        403,
    )
    assert "This form has expired" in added.content.decode()
    assert Reservation.objects.count() == 0


def test_it_accepts_a_form_sent_with_its_csrf_token(make_sku):
    make_sku("DESK-1", EAST=5)
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(product_url("DESK-1")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    response = browser.post(
        product_url("DESK-1"), {"quantity": "1", "csrfmiddlewaretoken": token}
    )

    assert response.status_code == 302


# An imported catalog

SUPERSTORE_HEADER = (
    "Row ID,Order ID,Order Date,Ship Date,Ship Mode,Customer ID,Customer Name,"
    "Segment,Country,City,State,Postal Code,Region,Product ID,Category,"
    "Sub-Category,Product Name,Sales,Quantity,Discount,Profit"
)
SUPERSTORE_LINES = [
    "1,CA-2016-1,11/8/2016,11/11/2016,Second Class,CU-1,Customer 1,Consumer,"
    "United States,Henderson,Kentucky,42420,South,FUR-BO-1,Furniture,Bookcases,"
    "Bush Somerset Collection Bookcase,261.96,2,0,41.9136",
    "2,CA-2016-2,11/9/2016,11/12/2016,Second Class,CU-2,Customer 2,Consumer,"
    "United States,Newark,New Jersey,7102,East,OFF-PA-1,Office Supplies,Paper,"
    '"Xerox 1967, Copy Paper",15.552,3,0.2,5.4432',
]


def test_it_shows_an_imported_catalog(client, tmp_path):
    orders = tmp_path / "orders.csv"
    orders.write_text("\n".join([SUPERSTORE_HEADER, *SUPERSTORE_LINES]) + "\n")
    call_command("import_catalog", str(orders))

    catalog_page = client.get(CATALOG)
    product_page = client.get(product_url("OFF-PA-1"))

    codes = [c.sku.code for c in catalog_page.context["cards"]]
    assert codes == ["FUR-BO-1", "OFF-PA-1"]
    assert product_page.status_code == 200
    assert "Xerox 1967, Copy Paper" in product_page.content.decode()
    assert "$6.48" in product_page.content.decode()
    assert product_page.context["sibling"].sku.code == "OFF-PA-1-R"
