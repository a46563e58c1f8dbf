"""Back in stock: the product page's form, the job that sends one
message per subscriber, and the unsubscribe link."""

import re
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.test import Client
from django.urls import reverse

from alerts import services
from alerts.models import BackInStockSubscription
from alerts.services import Subscribed
from alerts.tokens import unsubscribe_token
from inventory import services as stock_services
from inventory.models import StockLevel
from inventory.roles import MANAGERS
from tests.conftest import level
from tests.race import run_together

pytestmark = pytest.mark.django_db

FORM_HEADING = "Tell me when it is back"
THANKS = "Thank you. We will e-mail {email} once, when Product {code} is back"


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses every message."""

    def send_messages(self, messages):
        raise ConnectionRefusedError("the mail server is down")


def product_url(code: str) -> str:
    return reverse("catalog:product", args=[code])


def alert_url(code: str) -> str:
    return reverse("catalog:product_alert", args=[code])


def subscribe(client: Client, code: str, email: str):
    return client.post(alert_url(code), {"email": email})


def receive(code: str, units: int, warehouse: str = "EAST") -> None:
    stock_services.stock_receive(
        level_pk=level(code, warehouse).pk, quantity=units, actor="clerk"
    )


def unsubscribe_path(message) -> str:
    url = re.search(r"https?://\S+/alerts/unsubscribe/\S+/", message.body).group(0)
    return url.removeprefix(settings.SITE_URL)


def page_without_tokens(client: Client, code: str) -> str:
    """Return the product page less its CSRF tokens, masked anew each time."""
    page = client.get(product_url(code)).content.decode()
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


def waiting(email: str) -> list[str]:
    rows = BackInStockSubscription.objects.filter(
        email=email, notified_at=None, unsubscribed_at=None
    )
    return sorted(rows.values_list("sku__code", flat=True))


# The form


def test_it_offers_the_form_only_while_nothing_can_be_bought(client, make_sku):
    make_sku("DESK-1", threshold=2, EAST=10)
    make_sku("DESK-2", threshold=2, EAST=1)
    make_sku("DESK-3", threshold=2)
    make_sku("DESK-4", threshold=2)
    StockLevel.objects.filter(sku__code="DESK-4", warehouse__code="WEST").update(
        incoming=5, restock_eta=date(2026, 12, 20)
    )

    shown = {
        code: FORM_HEADING in client.get(product_url(code)).content.decode()
        for code in ("DESK-1", "DESK-2", "DESK-3", "DESK-4")
    }

    assert shown == {"DESK-1": False, "DESK-2": False, "DESK-3": True, "DESK-4": True}


def test_it_subscribes_through_the_page_with_its_csrf_token(make_sku):
    make_sku("DESK-1")
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(product_url("DESK-1")).content.decode()
    token = re.search(
        r'action="/products/DESK-1/back-in-stock/">\s*'
        r'<input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)"',
        page,
    ).group(1)

    answer = browser.post(
        alert_url("DESK-1"),
        {"email": "  Ann@Example.COM ", "csrfmiddlewaretoken": token},
        follow=True,
    )

    assert answer.redirect_chain == [(product_url("DESK-1"), 302)]
    assert THANKS.format(email="ann@example.com", code="DESK-1") in (
        answer.content.decode()
    )
    assert waiting("ann@example.com") == ["DESK-1"]


def test_it_refuses_a_post_without_the_csrf_token(make_sku):
    make_sku("DESK-1")

    answer = Client(enforce_csrf_checks=True).post(
        alert_url("DESK-1"), {"email": "ann@example.com"}
    )

    assert answer.status_code == 403
    assert BackInStockSubscription.objects.count() == 0


@pytest.mark.parametrize(
    "email, error",
    [
        ("not-an-address", "Enter a valid e-mail address."),
        ("ann@", "Enter a valid e-mail address."),
        ("", "Enter your e-mail address."),
        ("a" * 250 + "@example.com", "Ensure this value has at most 254"),
        ("ann@exam\x00ple.com", "Null characters are not allowed."),
    ],
)
def test_it_refuses_a_bad_address_as_a_form_error(client, make_sku, email, error):
    make_sku("DESK-1")

    answer = subscribe(client, "DESK-1", email)

    assert answer.status_code == 200
    assert error in answer.content.decode()
    assert FORM_HEADING in answer.content.decode()
    assert BackInStockSubscription.objects.count() == 0


def test_it_answers_an_unknown_product_with_not_found(client, make_sku):
    answer = subscribe(client, "NO-SUCH-SKU", "ann@example.com")

    assert answer.status_code == 404
    assert BackInStockSubscription.objects.count() == 0


def test_it_keeps_one_subscription_and_answers_alike_when_asked_twice(client, make_sku):
    make_sku("DESK-1")

    first = subscribe(client, "DESK-1", "ann@example.com")
    first_page = page_without_tokens(client, "DESK-1")
    second = subscribe(client, "DESK-1", "ANN@example.com")
    second_page = page_without_tokens(client, "DESK-1")

    assert first.status_code == second.status_code == 302
    assert first_page == second_page
    assert waiting("ann@example.com") == ["DESK-1"]


def test_it_caps_the_alerts_of_one_address_without_saying_so(
    client, make_sku, settings
):
    settings.BACK_IN_STOCK_MAX_PER_ADDRESS = 2
    for code in ("DESK-1", "DESK-2", "DESK-3"):
        make_sku(code)

    outcomes = [
        services.back_in_stock_subscribe(sku_code=code, email="ann@example.com")
        for code in ("DESK-1", "DESK-2")
    ]
    answer = subscribe(client, "DESK-3", "ann@example.com")

    assert outcomes == [Subscribed.CREATED, Subscribed.CREATED]
    page = client.get(answer.url).content.decode()
    assert THANKS.format(email="ann@example.com", code="DESK-3") in page
    assert waiting("ann@example.com") == ["DESK-1", "DESK-2"]
    assert services.back_in_stock_subscribe(
        sku_code="DESK-3", email="ann@example.com"
    ) == (Subscribed.CAPPED)


def test_it_tells_a_customer_a_product_is_in_stock_instead(client, make_sku):
    make_sku("DESK-1", EAST=3)

    answer = subscribe(client, "DESK-1", "ann@example.com")

    page = client.get(answer.url).content.decode()
    assert "Good news: Product DESK-1 is in stock now." in page
    assert BackInStockSubscription.objects.count() == 0


# The job


def test_it_sends_one_message_with_an_unsubscribe_link_once_it_is_back(
    client, make_sku
):
    make_sku("DESK-1")
    subscribe(client, "DESK-1", "ann@example.com")
    subscribe(client, "DESK-1", "bob@example.com")
    assert services.back_in_stock_notify() == 0

    receive("DESK-1", 3)
    sent = services.back_in_stock_notify()
    again = services.back_in_stock_notify()

    assert (sent, again) == (2, 0)
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ann@example.com",
        "bob@example.com",
    ]
    message = next(m for m in mail.outbox if m.to == ["ann@example.com"])
    assert message.subject == "Back in stock: Product DESK-1"
    assert "3 available now" in message.body
    assert f"{settings.SITE_URL}/products/DESK-1/" in message.body
    token = unsubscribe_token("ann@example.com")
    link = f"{settings.SITE_URL}/alerts/unsubscribe/{token}/"
    assert link in message.body
    assert message.extra_headers["List-Unsubscribe"] == f"<{link}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == (
        "List-Unsubscribe=One-Click"
    )


def test_it_lets_a_customer_ask_again_after_being_told(client, make_sku):
    make_sku("DESK-1")
    subscribe(client, "DESK-1", "ann@example.com")
    receive("DESK-1", 1)
    services.back_in_stock_notify()
    stock_services.stock_adjust(
        sku_code="DESK-1",
        warehouse_code="EAST",
        reason="loss",
        actor="clerk",
        delta=-1,
    )

    subscribe(client, "DESK-1", "ann@example.com")
    receive("DESK-1", 2)
    services.back_in_stock_notify()

    assert [m.to for m in mail.outbox] == [["ann@example.com"]] * 2


def test_it_tries_again_on_the_next_run_when_the_mail_server_refuses(
    client, make_sku, settings
):
    make_sku("DESK-1")
    subscribe(client, "DESK-1", "ann@example.com")
    receive("DESK-1", 1)

    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    refused = services.back_in_stock_notify()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    sent = services.back_in_stock_notify()

    assert (refused, sent) == (0, 1)
    assert len(mail.outbox) == 1


@pytest.mark.postgres
def test_it_sends_each_message_once_when_two_jobs_run_at_once(make_sku):
    make_sku("DESK-1")
    addresses = [f"customer{n:02d}@example.com" for n in range(20)]
    for email in addresses:
        services.back_in_stock_subscribe(sku_code="DESK-1", email=email)
    receive("DESK-1", 5)

    results = run_together([services.back_in_stock_notify] * 2)

    assert sum(results) == 20
    assert sorted(m.to[0] for m in mail.outbox) == addresses
    assert BackInStockSubscription.objects.filter(notified_at=None).count() == 0


# Unsubscribing


def test_it_sends_nothing_more_after_unsubscribing_from_the_link(client, make_sku):
    make_sku("DESK-1")
    make_sku("DESK-2")
    subscribe(client, "DESK-1", "ann@example.com")
    subscribe(client, "DESK-2", "ann@example.com")
    receive("DESK-1", 1)
    services.back_in_stock_notify()
    link = unsubscribe_path(mail.outbox[0])

    confirm = client.get(link)
    assert waiting("ann@example.com") == ["DESK-2"]
    done = client.post(link)
    receive("DESK-2", 1)
    sent = services.back_in_stock_notify()

    assert confirm.status_code == 200
    assert "Stop every back-in-stock e-mail" in confirm.content.decode()
    assert done.status_code == 200
    assert "we will send no more back-in-stock e-mails" in done.content.decode()
    assert sent == 0
    assert len(mail.outbox) == 1


def test_it_unsubscribes_with_a_mail_clients_one_click_post(make_sku):
    make_sku("DESK-1")
    services.back_in_stock_subscribe(sku_code="DESK-1", email="ann@example.com")
    link = reverse("alerts:unsubscribe", args=[unsubscribe_token("ann@example.com")])

    answer = Client(enforce_csrf_checks=True).post(
        link, "List-Unsubscribe=One-Click", content_type="text/plain"
    )
    receive("DESK-1", 1)

    assert answer.status_code == 200
    assert waiting("ann@example.com") == []
    assert services.back_in_stock_notify() == 0


@pytest.mark.parametrize("method", ["get", "post"])
def test_it_refuses_an_unsubscribe_link_it_did_not_sign(client, make_sku, method):
    make_sku("DESK-1")
    services.back_in_stock_subscribe(sku_code="DESK-1", email="ann@example.com")
    # Ann's address under the signature of Bob's link.
    ann, bob = unsubscribe_token("ann@example.com"), unsubscribe_token("bob@x.org")
    forged = ann.split(":", 1)[0] + ":" + bob.split(":", 1)[1]

    answers = [
        getattr(client, method)(reverse("alerts:unsubscribe", args=[bad]))
        for bad in (forged, "abc", ann[:-3])
    ]

    assert [a.status_code for a in answers] == [404, 404, 404]
    assert "This link is not valid" in answers[0].content.decode()
    assert waiting("ann@example.com") == ["DESK-1"]


def test_it_forgets_finished_subscriptions_after_the_history_days(make_sku):
    make_sku("DESK-1")
    for email in ("ann@example.com", "bob@example.com"):
        services.back_in_stock_subscribe(sku_code="DESK-1", email=email)
    BackInStockSubscription.objects.filter(email="ann@example.com").update(
        unsubscribed_at="2026-01-01T00:00:00Z"
    )
    later = BackInStockSubscription.objects.get(email="ann@example.com")
    now = later.unsubscribed_at + timedelta(days=settings.ALERTS_HISTORY_DAYS + 1)

    pruned = services.subscriptions_prune(now=now)

    assert pruned == 1
    assert waiting("bob@example.com") == ["DESK-1"]


def test_it_lists_subscriptions_read_only_to_a_manager(
    client, make_sku, django_user_model
):
    make_sku("DESK-1")
    services.back_in_stock_subscribe(sku_code="DESK-1", email="ann@example.com")
    manager = django_user_model.objects.create_user(
        "manny", password="pw", is_staff=True
    )
    manager.groups.add(Group.objects.get(name=MANAGERS))
    client.login(username="manny", password="pw")
    changelist = reverse("admin:alerts_backinstocksubscription_changelist")

    found = client.get(changelist, {"q": "ann@"})
    add = client.get(reverse("admin:alerts_backinstocksubscription_add"))

    assert found.status_code == 200
    assert found.context["cl"].result_count == 1
    assert "waiting" in found.content.decode()
    assert add.status_code == 403
