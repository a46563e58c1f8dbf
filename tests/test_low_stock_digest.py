"""The low-stock digest: one e-mail to clerks and managers listing the
SKUs newly low or out, never one per sale, never the same SKU twice
while it stays low."""

import re
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse

from alerts import digest as digest_service
from alerts.digest import low_stock_digest_send
from alerts.models import LowStockCursor, LowStockDigest, LowStockNotice
from inventory import services as stock_services
from inventory.roles import CLERKS, MANAGERS
from orders import services as order_services
from tests.conftest import level
from tests.race import run_together

pytestmark = pytest.mark.django_db

STAFF = ["clara@shop.example", "manny@shop.example"]


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses every message."""

    def send_messages(self, messages):
        raise ConnectionRefusedError("the mail server is down")


@pytest.fixture
def stock_room(django_user_model):
    """A clerk and a manager with addresses, a customer with one, and a
    clerk who left (inactive): only the first two hear of stock."""

    def member(username, email, role, **flags):
        user = django_user_model.objects.create_user(
            username, email=email, password="pw", **flags
        )
        if role:
            user.groups.add(Group.objects.get(name=role))
        return user

    member("clara", STAFF[0], CLERKS, is_staff=True)
    member("manny", STAFF[1], MANAGERS, is_staff=True)
    member("carl", "carl@home.example", None)
    member("old", "old@shop.example", CLERKS, is_staff=True, is_active=False)


def sell(code: str, quantity: int, warehouse: str = "EAST"):
    hold = stock_services.reservation_create(
        lines=[(code, quantity)], ship_to=warehouse
    )
    return order_services.order_place(reservation_id=hold.pk, email="c@home.example")


def receive(code: str, units: int, warehouse: str = "EAST") -> None:
    stock_services.stock_receive(
        level_pk=level(code, warehouse).pk, quantity=units, actor="clerk"
    )


def listed(message) -> list[str]:
    """Return the SKU codes a digest lists, in its order."""
    return re.findall(r"^(\S+)  Product ", message.body, flags=re.MULTILINE)


def test_it_mails_one_digest_listing_exactly_the_skus_that_ran_low(
    stock_room, make_sku
):
    make_sku("CHAIR-1", threshold=3, EAST=6)
    make_sku("DESK-1", threshold=2, EAST=2, WEST=2)
    make_sku("LAMP-1", threshold=4, EAST=5, SOUTH=2)
    make_sku("SHELF-1", threshold=2, EAST=20)
    make_sku("TABLE-1", threshold=2, EAST=4)

    sell("CHAIR-1", 2)
    sell("CHAIR-1", 1)
    sell("CHAIR-1", 1)
    sell("DESK-1", 2)
    sell("DESK-1", 2, warehouse="WEST")
    sell("LAMP-1", 4)
    sell("SHELF-1", 5)
    # Ran low, then the order was cancelled: in stock again by the digest.
    order_services.order_cancel(order_id=sell("TABLE-1", 3).pk)
    digest = low_stock_digest_send()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == STAFF
    assert message.subject == "Stock digest: 3 products ran low or out"
    assert listed(message) == ["DESK-1", "CHAIR-1", "LAMP-1"]
    assert "OUT OF STOCK (1)" in message.body
    assert "LOW STOCK (2)" in message.body
    assert "available 2, threshold 3" in message.body
    assert "CENTRAL 0 · EAST 1 · SOUTH 2 · WEST 0" in message.body
    assert digest.status == LowStockDigest.Status.SENT
    assert [line["sku"] for line in digest.lines] == ["CHAIR-1", "DESK-1", "LAMP-1"]


def test_it_sends_nothing_while_the_same_skus_stay_low(stock_room, make_sku):
    make_sku("CHAIR-1", threshold=3, EAST=6)
    sell("CHAIR-1", 3)
    low_stock_digest_send()

    unchanged = low_stock_digest_send()
    sell("CHAIR-1", 1)
    still_low = low_stock_digest_send()

    assert (unchanged, still_low) == (None, None)
    assert len(mail.outbox) == 1


def test_it_sends_nothing_when_nothing_ran_low(stock_room, make_sku):
    make_sku("CHAIR-1", threshold=3, EAST=20)
    sell("CHAIR-1", 5)
    receive("CHAIR-1", 2)

    assert low_stock_digest_send() is None
    assert mail.outbox == []


def test_it_reports_a_sku_again_after_it_recovered_and_ran_low_again(
    stock_room, make_sku
):
    make_sku("CHAIR-1", threshold=3, EAST=6)
    make_sku("DESK-1", threshold=3, EAST=6)
    sell("CHAIR-1", 4)
    sell("DESK-1", 4)
    low_stock_digest_send()

    receive("CHAIR-1", 10)
    recovered = low_stock_digest_send()
    sell("CHAIR-1", 10)
    again = low_stock_digest_send()

    assert recovered is None
    assert len(mail.outbox) == 2
    assert listed(mail.outbox[0]) == ["CHAIR-1", "DESK-1"]
    assert listed(mail.outbox[1]) == ["CHAIR-1"]
    assert again.lines[0]["available"] == 2


def test_it_reports_a_sku_that_recovered_and_ran_low_between_two_digests(
    stock_room, make_sku
):
    make_sku("CHAIR-1", threshold=3, EAST=6)
    sell("CHAIR-1", 4)
    low_stock_digest_send()

    receive("CHAIR-1", 10)
    sell("CHAIR-1", 10)
    low_stock_digest_send()

    assert [listed(m) for m in mail.outbox] == [["CHAIR-1"], ["CHAIR-1"]]


def test_it_reports_a_low_sku_once_more_when_it_sells_out(stock_room, make_sku):
    make_sku("CHAIR-1", threshold=3, EAST=6)
    sell("CHAIR-1", 4)
    low_stock_digest_send()

    sell("CHAIR-1", 2)
    out = low_stock_digest_send()
    receive("CHAIR-1", 1)
    sell("CHAIR-1", 1)
    flickered = low_stock_digest_send()

    assert out.lines[0]["status"] == "out_of_stock"
    assert flickered is None
    assert len(mail.outbox) == 2
    assert "OUT OF STOCK (1)" in mail.outbox[1].body


def test_it_reports_again_after_the_mail_server_refused_a_digest(
    stock_room, make_sku, settings
):
    make_sku("CHAIR-1", threshold=3, EAST=6)
    sell("CHAIR-1", 4)

    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    failed = low_stock_digest_send()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    sent = low_stock_digest_send()

    assert failed.status == LowStockDigest.Status.FAILED
    assert "the mail server is down" in failed.error
    assert sent.status == LowStockDigest.Status.SENT
    assert [listed(m) for m in mail.outbox] == [["CHAIR-1"]]
    assert LowStockNotice.objects.get().digest == sent


def test_it_waits_for_someone_to_tell_when_the_stock_room_has_no_address(
    django_user_model, make_sku
):
    make_sku("CHAIR-1", threshold=3, EAST=6)
    sell("CHAIR-1", 4)
    alone = low_stock_digest_send()
    clerk = django_user_model.objects.create_user(
        "clara", email=STAFF[0], is_staff=True
    )
    clerk.groups.add(Group.objects.get(name=CLERKS))

    digest = low_stock_digest_send()

    assert alone is None
    assert [m.to for m in mail.outbox] == [[STAFF[0]]]
    assert listed(mail.outbox[0]) == ["CHAIR-1"]
    assert digest.recipients == [STAFF[0]]


def test_it_forgets_old_digests_once_their_skus_recovered(stock_room, make_sku):
    make_sku("CHAIR-1", threshold=3, EAST=6)
    make_sku("DESK-1", threshold=3, EAST=6)
    sell("CHAIR-1", 4)
    low_stock_digest_send()
    sell("DESK-1", 4)
    second = low_stock_digest_send()
    receive("CHAIR-1", 10)
    low_stock_digest_send()
    later = second.created_at + timedelta(days=settings.ALERTS_HISTORY_DAYS + 1)

    pruned = digest_service.digests_prune(now=later)

    assert pruned == 1
    assert list(LowStockDigest.objects.all()) == [second]


@pytest.mark.postgres
def test_it_sends_one_digest_when_two_runs_start_at_once(
    stock_room, make_sku, monkeypatch
):
    for n in range(1, 6):
        make_sku(f"CHAIR-{n}", threshold=3, EAST=6)
        sell(f"CHAIR-{n}", 4)
    # An earlier run left the cursor row; each run dwells on its decision,
    # so the two would overlap there if they did not take turns.
    LowStockCursor.objects.create(pk=1)
    decide = digest_service._reports
    monkeypatch.setattr(
        digest_service, "_reports", lambda **kw: (decide(**kw), time.sleep(0.3))[0]
    )

    results = run_together([low_stock_digest_send] * 2)

    assert len(mail.outbox) == 1
    assert sorted(results, key=bool)[0] is None
    assert listed(mail.outbox[0]) == [f"CHAIR-{n}" for n in range(1, 6)]


def test_it_lists_sent_digests_read_only_to_a_clerk(client, stock_room, make_sku):
    make_sku("CHAIR-1", threshold=3, EAST=6)
    sell("CHAIR-1", 4)
    digest = low_stock_digest_send()
    client.login(username="clara", password="pw")

    changelist = client.get(reverse("admin:alerts_lowstockdigest_changelist"))
    detail = client.get(reverse("admin:alerts_lowstockdigest_change", args=[digest.pk]))
    add = client.get(reverse("admin:alerts_lowstockdigest_add"))
    subscriptions = client.get(
        reverse("admin:alerts_backinstocksubscription_changelist")
    )

    assert changelist.status_code == 200
    assert changelist.context["cl"].result_count == 1
    assert "CHAIR-1 low_stock: 2 available, threshold 3" in detail.content.decode()
    assert add.status_code == 403
    # Customers' addresses are for managers only.
    assert subscriptions.status_code == 403
