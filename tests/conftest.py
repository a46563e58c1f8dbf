"""Fixtures for the whole suite: the warehouses, SKUs with stock, a cast
of users and API clients.

The suite runs against PostgreSQL (``make test`` sets DATABASE_URL); tests
marked ``postgres`` refuse to run on anything else, because SQLite has no
row locks to race against.
"""

import copy
import os
import uuid
from decimal import Decimal

import pytest
from django.db import connection, transaction
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from catalog.models import Condition, Sku
from inventory.models import StockLevel, Warehouse
from inventory.seeding import levels_seed

WAREHOUSE_CODES = ("CENTRAL", "EAST", "SOUTH", "WEST")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(pytest.mark.django_db(transaction=True))


@pytest.fixture(autouse=True)
def _require_postgres_for_marked(request):
    if request.node.get_closest_marker("postgres"):
        if connection.vendor != "postgresql":
            pytest.fail("this test needs PostgreSQL: set DATABASE_URL")


@pytest.fixture(scope="session", autouse=True)
def _close_stray_connections(django_db_setup, django_db_blocker):
    """End connections that server threads left open, so the test
    database can be dropped at the end of the run."""
    yield
    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid()"
                )


@pytest.fixture(autouse=True)
def _fresh_cache_namespace(settings):
    """Give each test keys of its own in the shared Redis cache, so that
    no answer cached by another test (or another run) is ever read."""
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex[:12]}"
    settings.CACHES = caches


@pytest.fixture(autouse=True)
def _cache_only_where_commits_happen(request, settings):
    """Turn the availability cache off in tests that never commit.

    The cache is told of a change on commit; a test wrapped in a
    transaction that is rolled back never commits, so it would read its
    own earlier answers. Transactional tests keep the cache on.
    """
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(
        marker and (marker.kwargs.get("transaction") or marker.args[:1] == (True,))
    ) or {"transactional_db", "live_server"} & set(request.fixturenames)
    if not transactional:
        settings.AVAILABILITY_CACHE = False


@pytest.fixture
def warehouses(db) -> dict[str, Warehouse]:
    return {
        code: Warehouse.objects.get_or_create(
            code=code, defaults={"name": code.title()}
        )[0]
        for code in WAREHOUSE_CODES
    }


@pytest.fixture
def make_sku(warehouses):
    """Create a SKU and its refurbished twin, stocked per warehouse code.

    ``make_sku("CHAIR-1", EAST=5, WEST=3)`` gives on_hand 5 in EAST and 3
    in WEST, zero elsewhere, with ledger rows and events as import writes
    them.
    """
    counter = {"n": 0}

    def make(code: str | None = None, *, threshold: int = 0, **stock: int) -> Sku:
        counter["n"] += 1
        code = code or f"SKU-{counter['n']:04d}"
        with transaction.atomic():
            sku = Sku.objects.create(
                code=code,
                name=f"Product {code}",
                product_id=code,
                category="Office Supplies",
                sub_category="Paper",
                list_price=Decimal("10.00"),
                low_stock_threshold=threshold,
            )
            twin = Sku.objects.create(
                code=f"{code}-R",
                name=f"Product {code} (refurbished)",
                product_id=code,
                condition=Condition.REFURBISHED,
                category="Office Supplies",
                sub_category="Paper",
                list_price=Decimal("7.00"),
                low_stock_threshold=threshold,
            )
            sku.twin = twin
            sku.save(update_fields=["twin"])
            wh = list(warehouses.values())
            opening = {(sku.pk, warehouses[c].pk): n for c, n in stock.items()}
            levels_seed(skus=[sku, twin], warehouses=wh, on_hand=opening, actor="test")
        return sku

    return make


def level(sku: Sku | str, warehouse: str = "EAST") -> StockLevel:
    """Return a fresh read of one level's figures."""
    code = sku if isinstance(sku, str) else sku.code
    return StockLevel.objects.get(sku__code=code, warehouse__code=warehouse)


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def customer(django_user_model):
    return django_user_model.objects.create_user("customer", password="pw-customer")


@pytest.fixture
def clerk(django_user_model):
    return django_user_model.objects.create_user(
        "clerk", password="pw-clerk", is_staff=True
    )


@pytest.fixture
def staff_api(clerk) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=clerk)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def customer_api(customer) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=customer)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def browser():
    """Debian's Chromium under Playwright; never a downloaded browser."""
    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is missing: `make test` installs it")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's
    # own ORM calls are still plain synchronous ones.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        yield chromium
        chromium.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def opened_form(client, url: str) -> dict:
    """Open an admin change form; return its fields as a browser would
    post them back untouched."""
    form = client.get(url).context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is not None:
            data[name] = value
    return data
