"""Registering outbound endpoints: checked addresses, chosen events."""

import pytest
from django.core.management import CommandError, call_command

from integrations.models import Endpoint

pytestmark = pytest.mark.django_db


def test_it_registers_an_endpoint_and_prints_its_secret(capsys):
    call_command(
        "webhook_add", "https://erp.example.com/stock", "--events", "low_stock"
    )

    endpoint = Endpoint.objects.get()
    assert capsys.readouterr().out.strip() == endpoint.secret
    assert endpoint.events == ["low_stock"]


def test_it_wants_every_event_unless_told_otherwise():
    call_command("webhook_add", "http://erp.example.com/hook")

    assert Endpoint.objects.get().events == [
        "inventory_updated",
        "low_stock",
        "out_of_stock",
        "back_in_stock",
    ]


@pytest.mark.parametrize(
    "url",
    [
        "ftp://erp.example.com/stock",
        "https://",
        "http://127.0.0.1:9000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://[::1]/hook",
        "http://169.254.169.254/latest",
        "http://erp.internal/hook",
        "https://user:pw@erp.example.com/hook",
        "not a url",
        "http://127.1/hook",
        "http://2130706433/hook",
        "http://0x7f000001/hook",
        "http://0177.0.0.1/hook",
        "http://erp.example.com:99999/hook",
        "http://erp.example.com:0/hook",
        "http://erp example.com/hook",
        "http://m\u00fcnchen.example/hook",
        "http://erp.example.com/\u00fc",
        "http://erp.example.com/a\tb",
    ],
)
def test_it_refuses_an_address_it_must_not_call(url):
    with pytest.raises(CommandError):
        call_command("webhook_add", url)

    assert Endpoint.objects.count() == 0


def test_it_takes_a_local_address_when_the_setting_allows(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True

    call_command("webhook_add", "http://127.0.0.1:9000/hook")

    assert Endpoint.objects.get().url == "http://127.0.0.1:9000/hook"


def test_it_refuses_an_unknown_event():
    with pytest.raises(CommandError) as error:
        call_command("webhook_add", "https://erp.example.com/a", "--events", "sold")

    assert "unknown events sold" in str(error.value)
    assert Endpoint.objects.count() == 0


ADD_URL = "/admin/integrations/endpoint/add/"


def test_staff_register_an_endpoint_in_the_admin(admin_client):
    answer = admin_client.post(
        ADD_URL,
        {"url": "https://erp.example.com/in", "events": ["out_of_stock"]},
    )

    assert answer.status_code == 302
    endpoint = Endpoint.objects.get()
    assert endpoint.events == ["out_of_stock"]
    assert len(endpoint.secret) == 64


@pytest.mark.parametrize(
    "url",
    ["ftp://erp.example.com/x", "http://10.1.2.3/hook", "http://localhost:8000/"],
)
def test_the_admin_form_refuses_an_address_it_may_not_send_to(admin_client, url):
    answer = admin_client.post(ADD_URL, {"url": url, "events": ["low_stock"]})

    assert answer.status_code == 200
    assert answer.context["adminform"].form.errors
    assert Endpoint.objects.count() == 0


def test_the_admin_shows_why_an_endpoint_is_paused_and_resumes_it(
    admin_client, make_sku
):
    from django.utils import timezone

    from integrations import deliveries
    from integrations.models import Delivery
    from inventory import services

    endpoint = Endpoint.objects.create(
        url="https://erp.example.com/in",
        active=False,
        paused_at=timezone.now(),
        paused_reason="deliveries failing since 2026-12-03 10:00 UTC: answered 503",
    )
    sku = make_sku("ADM-1", EAST=2)
    services.reservation_create(lines=[(sku.code, 1)])
    deliveries.stock_events_dispatch()
    Delivery.objects.update(attempts=7, first_failed_at=timezone.now())

    listing = admin_client.get("/admin/integrations/endpoint/")
    log = admin_client.get("/admin/integrations/delivery/")
    assert b"answered 503" in listing.content
    assert b"waiting: endpoint paused" in log.content

    admin_client.post(
        "/admin/integrations/endpoint/",
        {"action": "resume", "_selected_action": [endpoint.pk]},
    )

    endpoint.refresh_from_db()
    assert endpoint.active and endpoint.paused_reason == ""
    waiting = Delivery.objects.filter(endpoint=endpoint)
    assert waiting.count() == 2
    assert set(waiting.values_list("attempts", flat=True)) == {0}


def test_the_delivery_log_cannot_be_edited(admin_client):
    assert admin_client.get("/admin/integrations/delivery/add/").status_code == 403
