"""Shopify's inventory webhook: signed the Shopify way, stored once per
webhook id, applied once as a count of the mapped level."""

import contextlib
import hashlib
import hmac
import json
import urllib.error
import urllib.request
from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse

from integrations import shopify, signing
from integrations.models import (
    InboundEvent,
    ShopifyItem,
    ShopifyLocation,
    Vendor,
)
from integrations.services import (
    inbound_event_apply,
    vendor_add,
    vendor_rotate_secret,
)
from inventory import services
from inventory.models import LedgerEntry
from tests import test_vendor_webhooks as vendor_webhooks
from tests.conftest import level
from tests.race import run_together
from tests.servers import asgi_server

# Reused as they are: the vendor "acme" signing with SECRET, and tasks run
# on commit in this process as a worker would run them (both autouse).
SECRET = vendor_webhooks.SECRET
vendor = vendor_webhooks.vendor
apply_tasks_in_process = vendor_webhooks.apply_tasks_in_process

pytestmark = pytest.mark.postgres

URL = "/webhooks/vendors/acme/shopify"
TOPIC = "inventory_levels/update"
ITEM = 271878346596884015
LOCATION = 24826418
SIGNED = "signed with the secret given"


@pytest.fixture
def sku(vendor, make_sku, warehouses):
    """SHOP-1 with 40 on hand in EAST, mapped from ITEM at LOCATION."""
    sku = make_sku("SHOP-1", EAST=40)
    ShopifyItem.objects.create(vendor=vendor, inventory_item_id=ITEM, sku=sku)
    ShopifyLocation.objects.create(
        vendor=vendor, location_id=LOCATION, warehouse=warehouses["EAST"]
    )
    return sku


def payload(
    available: object = 42,
    *,
    item: object = ITEM,
    location: object = LOCATION,
    at: object = "2026-12-04T10:00:00-05:00",
) -> bytes:
    body = {
        "inventory_item_id": item,
        "location_id": location,
        "available": available,
        "updated_at": at,
        "admin_graphql_api_id": (
            f"gid://shopify/InventoryLevel/{location}?inventory_item_id={item}"
        ),
    }
    return json.dumps(body).encode()


def headers(
    body: bytes,
    *,
    webhook_id: str | None = "wh-1",
    secret: str = SECRET,
    signature: str | None = SIGNED,
    topic: str | None = TOPIC,
) -> dict:
    if signature == SIGNED:
        signature = shopify.sign(body, secret)
    given = {
        "X-Shopify-Hmac-Sha256": signature,
        "X-Shopify-Webhook-Id": webhook_id,
        "X-Shopify-Topic": topic,
    }
    return {name: value for name, value in given.items() if value is not None}


def post(body: bytes, *, url: str = URL, **given):
    return Client().post(
        url, body, content_type="application/json", headers=headers(body, **given)
    )


def counts_applied(sku) -> int:
    return LedgerEntry.objects.filter(
        level__sku=sku, reason="count", actor="vendor:acme"
    ).count()


def test_it_applies_a_signed_update_once_as_a_count(sku):
    response = post(payload(42))

    assert (response.status_code, response.json()) == (
        202,
        {"status": "accepted", "event_id": "shopify:wh-1"},
    )
    assert level(sku).on_hand == 42
    stored = InboundEvent.objects.get()
    assert (stored.kind, stored.status, stored.applied, stored.stale) == (
        "stock.snapshot",
        "applied",
        1,
        0,
    )
    assert stored.lines == [{"sku": "SHOP-1", "warehouse": "EAST", "on_hand": 42}]
    assert stored.occurred_at == datetime(2026, 12, 4, 15, 0, tzinfo=UTC)

    inbound_event_apply(event_pk=stored.pk)

    assert level(sku).on_hand == 42
    assert counts_applied(sku) == 1


def test_it_refuses_a_missing_or_wrong_signature_and_moves_no_stock(sku):
    body = payload(7)
    vendor_add(code="globex", secret="globex-secret-for-tests")
    good = shopify.sign(body, SECRET)
    as_hex = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()

    answers = [
        post(body, signature=None),
        post(body, signature=""),
        post(body, secret="a-wrong-secret-of-length"),
        post(body, secret="globex-secret-for-tests"),
        post(body.replace(b"7", b"9"), signature=good),
        post(body, signature=as_hex),
        post(body, signature="t=1,v1=" + as_hex),
        post(body, signature="é" * 44),
        post(body, signature=good * 4),
    ]

    assert [a.status_code for a in answers] == [401] * 9
    assert answers[0].json()["error"] == "bad_signature"
    assert level(sku).on_hand == 40
    assert InboundEvent.objects.count() == 0


def test_it_takes_the_old_secret_during_a_rotations_grace(sku):
    vendor_rotate_secret(code="acme", secret="acme-secret-after-rotation")

    old = post(payload(41, at="2026-12-04T10:00:00Z"), webhook_id="old")
    new = post(
        payload(43, at="2026-12-04T10:01:00Z"),
        webhook_id="new",
        secret="acme-secret-after-rotation",
    )

    assert (old.status_code, new.status_code) == (202, 202)
    assert level(sku).on_hand == 43


def test_it_answers_404_for_an_unknown_or_inactive_vendor(sku):
    vendor_add(code="sleeper", secret="sleeper-secret-for-tests")
    Vendor.objects.filter(code="sleeper").update(active=False)
    body = payload(9)

    nobody = post(body, url="/webhooks/vendors/nobody/shopify")
    sleeper = post(
        body,
        secret="sleeper-secret-for-tests",
        url="/webhooks/vendors/sleeper/shopify",
    )

    assert (nobody.status_code, nobody.json()["error"]) == (404, "unknown_vendor")
    assert (sleeper.status_code, sleeper.json()["error"]) == (404, "unknown_vendor")
    assert level(sku).on_hand == 40
    assert InboundEvent.objects.count() == 0


def test_it_applies_a_redelivered_webhook_id_once(sku):
    first = post(payload(42))
    # A sale counted here after Shopify's figure: a second application
    # of the same webhook would put the 2 units back.
    services.stock_adjust(
        sku_code="SHOP-1", warehouse_code="EAST", delta=-2, reason="loss", actor="t"
    )

    again = post(payload(42))

    assert first.status_code == 202
    assert (again.status_code, again.json()) == (
        200,
        {"status": "duplicate", "event_id": "shopify:wh-1"},
    )
    assert level(sku).on_hand == 40
    assert InboundEvent.objects.count() == 1
    assert counts_applied(sku) == 1


def test_it_keeps_shopify_ids_apart_from_the_vendors_own_event_ids(sku):
    own = {
        "event_id": "wh-1",
        "occurred_at": "2026-12-04T09:00:00Z",
        "type": "stock.delta",
        "lines": [
            {"sku": "SHOP-1", "warehouse": "EAST", "delta": 1, "reason": "found"}
        ],
    }
    body = json.dumps(own).encode()
    Client().post(
        "/webhooks/vendors/acme/inventory",
        body,
        content_type="application/json",
        headers={"X-Signature": signing.sign(body, SECRET)},
    )

    response = post(payload(42))

    assert response.status_code == 202
    assert sorted(InboundEvent.objects.values_list("event_id", flat=True)) == [
        "shopify:wh-1",
        "wh-1",
    ]
    assert level(sku).on_hand == 42


def test_it_stores_one_of_three_simultaneous_deliveries(sku):
    body = payload(42)
    sent = headers(body, webhook_id="wh-race")
    sent["Content-Type"] = "application/json"

    def deliver(base: str):
        request = urllib.request.Request(f"{base}{URL}", data=body, headers=sent)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status
        except urllib.error.HTTPError as refused:
            return refused.code

    # One server each: a single ASGI process runs Django's synchronous
    # views one at a time, so only separate processes truly race.
    with contextlib.ExitStack() as stack:
        bases = [
            stack.enter_context(asgi_server(CELERY_TASK_ALWAYS_EAGER="1"))
            for _ in range(3)
        ]
        answers = run_together([lambda b=b: deliver(b) for b in bases])

    assert sorted(answers) == [200, 200, 202]
    assert InboundEvent.objects.get().event_id == "shopify:wh-race"
    assert level(sku).on_hand == 42
    assert counts_applied(sku) == 1


@pytest.mark.parametrize(
    ("item", "location", "named"),
    [
        (111, LOCATION, [("inventory_item_id", 111)]),
        (ITEM, 222, [("location_id", 222)]),
        (111, 222, [("inventory_item_id", 111), ("location_id", 222)]),
    ],
)
def test_it_refuses_an_unmapped_id_naming_it(sku, item, location, named):
    response = post(payload(42, item=item, location=location))

    assert response.status_code == 400
    answer = response.json()
    assert answer["error"] == "unmapped"
    assert [(e["field"], e["value"]) for e in answer["errors"]] == named
    for _, value in named:
        assert str(value) in answer["detail"]
    assert level(sku).on_hand == 40
    assert InboundEvent.objects.count() == 0


def test_it_reads_no_other_vendors_mapping(sku, warehouses):
    globex = vendor_add(code="globex", secret="globex-secret-for-tests")
    ShopifyItem.objects.create(vendor=globex, inventory_item_id=333, sku=sku)
    ShopifyLocation.objects.create(
        vendor=globex, location_id=444, warehouse=warehouses["WEST"]
    )

    response = post(payload(5, item=333, location=444))

    assert response.status_code == 400
    assert [e["value"] for e in response.json()["errors"]] == [333, 444]
    assert (level(sku).on_hand, level(sku, "WEST").on_hand) == (40, 0)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[1, 2]",
        b'{"available": NaN}',
        b"\xff\xfe",
        payload(42.0),
        payload("42"),
        payload(True),
        payload(None),
        payload(1_000_000_001),
        payload(-1_000_000_001),
        payload(42, item=0),
        payload(42, item=-5),
        payload(42, item=str(ITEM)),
        payload(42, item=2**63),
        payload(42, location=1.5),
        payload(42, location=None),
        payload(42, at="2026-12-04T10:00:00"),
        payload(42, at="yesterday"),
        payload(42, at="9999-12-31T23:59:59-05:00"),
        payload(42, at=1733320800),
        json.dumps({"inventory_item_id": ITEM, "location_id": LOCATION}).encode(),
    ],
)
def test_it_refuses_a_malformed_payload_with_400(sku, body):
    response = post(body)

    assert (response.status_code, response.json()["error"]) == (400, "invalid")
    assert level(sku).on_hand == 40
    assert InboundEvent.objects.count() == 0


def test_it_names_every_bad_field_at_once(sku):
    response = post(payload(-1_000_000_001, location="x", at="soon"))

    fields = [e["field"] for e in response.json()["errors"]]
    assert fields == ["location_id", "available", "updated_at"]


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"webhook_id": None}, "X-Shopify-Webhook-Id"),
        ({"webhook_id": "x" * 200}, "X-Shopify-Webhook-Id"),
        ({"topic": "inventory_levels/disconnect"}, "topic"),
    ],
)
def test_it_refuses_a_missing_webhook_id_or_another_topic(sku, given, field):
    response = post(payload(42), **given)

    assert (response.status_code, response.json()["error"]) == (400, "invalid")
    assert field in response.json()["detail"]
    assert InboundEvent.objects.count() == 0


def test_it_skips_an_older_update_arriving_after_a_newer_one(sku):
    # 10:00 in New York is 15:00 UTC; 14:30 UTC is earlier.
    post(payload(80, at="2026-12-04T10:00:00-05:00"), webhook_id="newer")
    late = post(payload(10, at="2026-12-04T14:30:00Z"), webhook_id="older")

    assert late.status_code == 202
    assert level(sku).on_hand == 80
    stale = InboundEvent.objects.get(event_id="shopify:older")
    assert (stale.status, stale.applied, stale.stale) == ("applied", 0, 1)


def test_it_counts_a_negative_shopify_figure_as_nothing_on_hand(sku):
    services.reservation_create(lines=[("SHOP-1", 5)], ship_to="EAST")

    response = post(payload(-3))

    east = level(sku)
    assert response.status_code == 202
    assert (east.on_hand, east.reserved, east.available) == (0, 5, 0)
    assert InboundEvent.objects.get().lines[0]["on_hand"] == 0


def test_it_keeps_our_holds_under_shopifys_figure(sku):
    services.reservation_create(lines=[("SHOP-1", 29)], ship_to="EAST")

    post(payload(80))

    east = level(sku)
    assert (east.on_hand, east.reserved, east.available) == (80, 29, 51)


def test_it_answers_a_wrong_method_in_json(sku):
    response = Client().get(URL)

    assert (response.status_code, response.json()["error"]) == (
        405,
        "method_not_allowed",
    )


def inline_form(vendor, *, items=(), locations=()) -> dict:
    """The vendor's change form as the admin posts it, with new mapping
    rows for ``items`` (id, SKU pk) and ``locations`` (id, warehouse pk)."""
    form = {"name": vendor.name, "active": "on"}
    for prefix, rows, target in (
        ("shopify_items", items, "sku"),
        ("shopify_locations", locations, "warehouse"),
    ):
        form[f"{prefix}-TOTAL_FORMS"] = str(len(rows))
        form[f"{prefix}-INITIAL_FORMS"] = "0"
        for n, (shopify_id, pk) in enumerate(rows):
            id_field = "inventory_item_id" if target == "sku" else "location_id"
            form[f"{prefix}-{n}-{id_field}"] = str(shopify_id)
            form[f"{prefix}-{n}-{target}"] = str(pk)
    return form


def test_it_maps_ids_in_the_admin_and_then_applies_them(
    admin_client, vendor, make_sku, warehouses
):
    desk = make_sku("DESK-9", WEST=3)
    url = reverse("admin:integrations_vendor_change", args=[vendor.pk])

    page = admin_client.get(url)
    saved = admin_client.post(
        url,
        inline_form(
            vendor,
            items=[(ITEM, desk.pk)],
            locations=[(LOCATION, warehouses["WEST"].pk)],
        ),
    )
    response = post(payload(12))

    assert page.status_code == 200
    assert b"Shopify inventory items" in page.content
    assert saved.status_code == 302
    assert list(vendor.shopify_items.values_list("inventory_item_id", "sku")) == [
        (ITEM, desk.pk)
    ]
    assert response.status_code == 202
    assert level(desk, "WEST").on_hand == 12


@pytest.mark.parametrize(
    ("items", "locations", "complaint"),
    [
        ([(0, "desk")], [], "greater than or equal to 1"),
        ([(-4, "desk")], [], "greater than or equal to 1"),
        ([(2**63, "desk")], [], "less than or equal to"),
        ([("abc", "desk")], [], "Enter a whole number"),
        ([(5, "desk"), (5, "chair")], [], "Please correct the duplicate data"),
        ([(5, "desk"), (6, "desk")], [], "Please correct the duplicate data"),
        ([], [(7, "EAST"), (7, "WEST")], "Please correct the duplicate data"),
        ([], [(7, "EAST"), (8, "EAST")], "Please correct the duplicate data"),
    ],
)
def test_it_refuses_a_bad_or_repeated_id_in_the_admin(
    admin_client, vendor, make_sku, warehouses, items, locations, complaint
):
    skus = {"desk": make_sku("DESK-8").pk, "chair": make_sku("CHAIR-8").pk}
    url = reverse("admin:integrations_vendor_change", args=[vendor.pk])
    form = inline_form(
        vendor,
        items=[(i, skus[s]) for i, s in items],
        locations=[(i, warehouses[w].pk) for i, w in locations],
    )

    response = admin_client.post(url, form)

    assert response.status_code == 200
    assert complaint in response.content.decode()
    assert ShopifyItem.objects.count() == ShopifyLocation.objects.count() == 0


def test_it_refuses_an_id_the_vendor_mapped_already_in_the_admin(
    admin_client, sku, vendor, make_sku
):
    other = make_sku("OTHER-1")
    url = reverse("admin:integrations_vendor_change", args=[vendor.pk])

    response = admin_client.post(url, inline_form(vendor, items=[(ITEM, other.pk)]))

    assert response.status_code == 200
    assert "This vendor has mapped that inventory item already" in (
        response.content.decode()
    )
    assert list(ShopifyItem.objects.values_list("sku", flat=True)) == [sku.pk]


def test_it_changes_a_saved_mapping_in_the_admin(admin_client, sku, vendor, make_sku):
    other = make_sku("OTHER-2")
    mapped = ShopifyItem.objects.get()
    url = reverse("admin:integrations_vendor_change", args=[vendor.pk])
    form = inline_form(vendor)
    form.update(
        {
            "shopify_items-TOTAL_FORMS": "1",
            "shopify_items-INITIAL_FORMS": "1",
            "shopify_items-0-id": str(mapped.pk),
            "shopify_items-0-vendor": str(vendor.pk),
            "shopify_items-0-inventory_item_id": str(ITEM),
            "shopify_items-0-sku": str(other.pk),
        }
    )

    response = admin_client.post(url, form)
    post(payload(6))

    assert response.status_code == 302
    assert list(ShopifyItem.objects.values_list("sku", flat=True)) == [other.pk]
    assert (level(other).on_hand, level(sku).on_hand) == (6, 40)


def test_it_adds_a_vendor_with_its_mapping_in_the_admin(admin_client, make_sku):
    desk = make_sku("DESK-7")
    form = inline_form(Vendor(name="Initech"), items=[(ITEM, desk.pk)])
    form["code"] = "initech"

    response = admin_client.post(reverse("admin:integrations_vendor_add"), form)

    assert response.status_code == 302
    added = ShopifyItem.objects.get()
    assert (added.vendor.code, added.inventory_item_id) == ("initech", ITEM)


def test_it_refuses_an_update_dated_in_the_future(sku):
    response = post(payload(42, at="2099-01-01T00:00:00Z"), webhook_id="wh-future")

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "updated_at"
    assert level(sku).on_hand == 40
