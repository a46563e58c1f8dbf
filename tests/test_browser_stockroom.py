"""A stock manager in a real Chromium: a stale form and a transfer."""

import pytest
from django.contrib.auth.models import Group

from inventory import services
from tests.conftest import level

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


@pytest.fixture
def manager_page(browser, live_server, django_user_model):
    manager = django_user_model.objects.create_user(
        "mona", "mona@shop.example", "a-long-password-1", is_staff=True
    )
    manager.groups.add(Group.objects.get(name="Managers"))
    page = browser.new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("mona")
    page.get_by_label("Password").fill("a-long-password-1")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")
    return page


def level_page(live_server, sku, warehouse: str) -> str:
    pk = level(sku, warehouse).pk
    return f"{live_server.url}/admin/inventory/stocklevel/{pk}/change/"


def test_a_count_form_opened_before_a_sale_is_refused_after_it(
    manager_page, live_server, make_sku
):
    desk = make_sku("DESK-BRW", EAST=10)
    page = manager_page
    page.goto(level_page(live_server, desk, "EAST"))
    page.get_by_role("link", name="Cycle count").click()
    page.get_by_label("Units counted on the shelf").fill("10")

    # A customer holds 3 while the clerk's form is open.
    services.reservation_create(lines=[(desk.code, 3)], ship_to="EAST")
    page.get_by_role("button", name="Cycle count").click()

    alert = page.get_by_role("alert")
    assert "figures changed since this form was opened" in alert.inner_text()
    assert page.locator('[data-figure="reserved"]').inner_text() == "3"
    east = level(desk, "EAST")
    assert (east.on_hand, east.reserved, east.available) == (10, 3, 7)

    page.get_by_label("Units counted on the shelf").fill("9")
    page.get_by_role("button", name="Cycle count").click()

    page.wait_for_url("**/change/")
    assert "Cycle count: done." in page.content()
    east = level(desk, "EAST")
    assert (east.on_hand, east.reserved, east.available) == (9, 3, 6)


def test_a_manager_transfers_units_between_warehouses(
    manager_page, live_server, make_sku
):
    chair = make_sku("CHAIR-TRF", EAST=8, WEST=1)
    page = manager_page
    page.goto(level_page(live_server, chair, "EAST"))
    page.get_by_role("link", name="Transfer to another warehouse").click()

    page.get_by_label("Units to move").fill("9")
    page.get_by_label("To warehouse").select_option(label="WEST")
    page.get_by_role("button", name="Transfer to another warehouse").click()
    assert "only 8 units" in page.get_by_role("alert").inner_text()

    page.get_by_label("Units to move").fill("5")
    page.get_by_role("button", name="Transfer to another warehouse").click()

    page.wait_for_url("**/change/")
    assert (level(chair, "EAST").on_hand, level(chair, "WEST").on_hand) == (3, 6)
