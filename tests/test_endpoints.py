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
