"""The scheduled reconcile: a warning, one e-mail to the managers and a
banner on every admin page until a manager acknowledges the drift."""

import logging

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse

from inventory import roles, services
from inventory.models import DriftAlert
from inventory.tasks import stock_reconcile
from tests.conftest import level
from tests.ports import closed_port

pytestmark = pytest.mark.postgres

BANNER = 'id="drift-alert"'
BUTTON = 'value="Acknowledge"'


@pytest.fixture
def cast(django_user_model):
    """Two managers, a clerk and a customer, each with an address."""

    def member(name: str, role: str | None, *, staff: bool = True):
        user = django_user_model.objects.create_user(
            name, email=f"{name}@shop.example", password=f"pw-{name}", is_staff=staff
        )
        if role:
            user.groups.add(Group.objects.get(name=role))
        return user

    return {
        "ann": member("ann", roles.MANAGERS),
        "bob": member("bob", roles.MANAGERS),
        "clerk": member("clerk", roles.CLERKS),
        "customer": member("customer", None, staff=False),
    }


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def drift(sku, warehouse: str = "EAST") -> None:
    """Change a figure behind the services' back."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE inventory_stocklevel SET on_hand = on_hand + 1 WHERE id = %s",
            [level(sku, warehouse).pk],
        )


def acknowledge(client: Client, alert: DriftAlert, **data):
    url = reverse("admin:inventory_driftalert_acknowledge", args=[alert.pk])
    return client.post(url, data)


def test_it_warns_and_emails_only_the_managers_once(make_sku, cast, caplog):
    sku = make_sku("LAMP-1", EAST=4)
    services.reservation_create(lines=[(sku.code, 1)])
    drift(sku)

    with caplog.at_level(logging.WARNING, logger="inventory"):
        first = stock_reconcile()
        second = stock_reconcile()

    alert = DriftAlert.objects.get()
    assert first == second == alert.pk
    assert alert.is_open and alert.notified_at is not None
    assert alert.details == {
        "total": 1,
        "problems": [
            {
                "key": "drift LAMP-1@EAST on_hand the ledger +1",
                "text": "LAMP-1@EAST: on_hand is 5, expected 4 from the ledger",
            }
        ],
    }
    (message,) = mail.outbox
    assert message.to == ["ann@shop.example", "bob@shop.example"]
    assert message.subject == "OfficeShop: stock drift found (1 problem)"
    assert "- LAMP-1@EAST: on_hand is 5, expected 4 from the ledger" in message.body
    link = f"{settings.SITE_URL}/admin/inventory/driftalert/{alert.pk}/change/"
    assert link in message.body
    warnings = [r for r in caplog.records if r.name == "inventory.drift"]
    assert [r.levelname for r in warnings] == ["WARNING", "WARNING"]
    assert f"alert #{alert.pk}" in warnings[0].getMessage()


def test_it_shows_the_banner_on_every_admin_page_to_staff(make_sku, cast):
    sku = make_sku("LAMP-2", EAST=4)
    drift(sku)
    stock_reconcile()
    pages = [reverse("admin:index"), reverse("admin:inventory_stocklevel_changelist")]

    manager = [signed_in(cast["ann"]).get(url).content.decode() for url in pages]
    clerk = [signed_in(cast["clerk"]).get(url).content.decode() for url in pages]
    login = Client().get(reverse("admin:login")).content.decode()

    assert all(BANNER in page and BUTTON in page for page in manager)
    assert all("LAMP-2@EAST: on_hand is 5, expected 4" in page for page in manager)
    assert all(BANNER in page and BUTTON not in page for page in clerk)
    assert BANNER not in login


def test_it_takes_the_banner_down_once_a_manager_acknowledges(make_sku, cast):
    sku = make_sku("LAMP-3", EAST=4)
    drift(sku)
    stock_reconcile()
    alert = DriftAlert.objects.get()
    manager = signed_in(cast["bob"])
    back = reverse("admin:inventory_stocklevel_changelist")

    answer = acknowledge(manager, alert, next=back)

    assert (answer.status_code, answer["Location"]) == (302, back)
    alert.refresh_from_db()
    assert (alert.is_open, alert.acknowledged_by) == (False, "bob")
    assert alert.acknowledged_at is not None
    page = manager.get(back).content.decode()
    assert BANNER not in page
    assert "Drift alert acknowledged by bob" in page
    assert BANNER not in signed_in(cast["clerk"]).get(back).content.decode()


def test_it_refuses_to_let_a_clerk_acknowledge(make_sku, cast):
    sku = make_sku("LAMP-4", EAST=4)
    drift(sku)
    stock_reconcile()
    alert = DriftAlert.objects.get()

    refused = acknowledge(signed_in(cast["clerk"]), alert)
    customer = acknowledge(signed_in(cast["customer"]), alert)
    by_get = signed_in(cast["ann"]).get(
        reverse("admin:inventory_driftalert_acknowledge", args=[alert.pk])
    )

    assert refused.status_code == 403
    assert customer.status_code == 302
    assert customer["Location"].startswith(reverse("admin:login"))
    assert by_get.status_code == 405
    assert DriftAlert.objects.get().is_open


def test_it_refuses_an_acknowledgement_without_its_csrf_token(make_sku, cast):
    sku = make_sku("LAMP-5", EAST=4)
    drift(sku)
    stock_reconcile()
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast["ann"])

    answer = acknowledge(client, DriftAlert.objects.get())

    assert answer.status_code == 403
    assert DriftAlert.objects.get().is_open


def test_it_goes_nowhere_but_the_shop_after_acknowledging(make_sku, cast):
    sku = make_sku("LAMP-6", EAST=4)
    drift(sku)
    stock_reconcile()

    answer = acknowledge(
        signed_in(cast["ann"]), DriftAlert.objects.get(), next="https://evil.example/"
    )

    assert answer["Location"] == reverse("admin:index")


def test_a_clean_shop_raises_no_alert(make_sku, cast, caplog):
    sku = make_sku("LAMP-7", EAST=4, WEST=2)
    services.reservation_create(lines=[(sku.code, 5)])

    with caplog.at_level(logging.INFO, logger="inventory"):
        assert stock_reconcile() is None

    assert DriftAlert.objects.count() == 0
    assert mail.outbox == []
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    page = signed_in(cast["ann"]).get(reverse("admin:index")).content.decode()
    assert BANNER not in page


def test_an_acknowledged_problem_stays_quiet_until_another_appears(make_sku, cast):
    desk, lamp = make_sku("DESK-1", EAST=4), make_sku("LAMP-8", WEST=3)
    drift(desk)
    stock_reconcile()
    acknowledge(signed_in(cast["ann"]), DriftAlert.objects.get())

    quiet = stock_reconcile()
    drift(lamp, "WEST")
    loud = stock_reconcile()

    assert quiet is None
    assert DriftAlert.objects.count() == 2
    alert = DriftAlert.objects.get(is_open=True)
    assert loud == alert.pk
    assert alert.details["total"] == 2
    assert len(mail.outbox) == 2
    assert "LAMP-8@WEST: on_hand is 4, expected 3" in mail.outbox[1].body


def test_a_broken_ledger_chain_raises_the_alert_too(make_sku, cast):
    sku = make_sku("LAMP-9", EAST=4)
    services.stock_adjust(
        sku_code=sku.code, warehouse_code="EAST", delta=2, reason="found", actor="t"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE inventory_ledgerentry SET actor = 'someone else' "
            "WHERE level_id = %s AND reason = 'found' RETURNING id",
            [level(sku).pk],
        )
        (entry_id,) = cursor.fetchone()

    stock_reconcile()

    alert = DriftAlert.objects.get()
    assert [p["text"] for p in alert.details["problems"]] == [
        f"ledger chain broken at entry #{entry_id} (SKU LAMP-9 in EAST): edited"
    ]
    assert alert.summary == (
        "0 figures drifted, 1 ledger chain break; first: "
        f"ledger chain broken at entry #{entry_id} (SKU LAMP-9 in EAST): edited"
    )
    assert len(mail.outbox) == 1


def test_it_sends_the_email_on_the_next_run_when_the_server_was_down(
    make_sku, cast, settings, caplog
):
    sku = make_sku("LAMP-10", EAST=4)
    drift(sku)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed_port()
    settings.EMAIL_TIMEOUT = 5

    with caplog.at_level(logging.ERROR, logger="inventory.drift"):
        stock_reconcile()
    unsent = DriftAlert.objects.get()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    stock_reconcile()

    assert unsent.notified_at is None
    assert "e-mail to managers failed" in caplog.text
    assert len(mail.outbox) == 1
    assert DriftAlert.objects.get().notified_at is not None


def test_beat_reconciles_every_interval():
    job = settings.CELERY_BEAT_SCHEDULE["reconcile-stock"]

    assert job["task"] == "inventory.tasks.stock_reconcile"
    assert job["schedule"] == float(settings.RECONCILE_INTERVAL_SECONDS) == 3600.0
