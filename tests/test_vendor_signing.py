"""Webhook signatures and vendor secrets."""

import hashlib
import hmac
import time
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from integrations import signing
from integrations.models import Vendor
from integrations.services import vendor_add, vendor_rotate_secret

BODY = b'{"event_id": "e-1"}'
SECRET = "s" * 32


def test_it_accepts_a_body_signed_with_the_secret():
    signing.verify(signing.sign(BODY, SECRET), BODY, [SECRET])


# Each header is made when its test runs: one made at collection time
# would drift toward the window while the suite runs.
@pytest.mark.parametrize(
    "make_header",
    [
        lambda: None,
        lambda: "",
        lambda: "t=abc,v1=00",
        lambda: "v1=00",
        lambda: f"t={int(time.time())}",
        lambda: signing.sign(BODY, "another secret of enough length"),
        lambda: signing.sign(BODY, SECRET, at=int(time.time()) - 400),
        lambda: signing.sign(BODY, SECRET, at=int(time.time()) + 400),
        lambda: signing.sign(BODY + b" ", SECRET),
        lambda: "t=1," + "v1=" * 400,
        lambda: f"t={int(time.time())},v1=\u00e9\u00e9",
    ],
)
def test_it_refuses_a_forged_missing_or_stale_signature(make_header):
    with pytest.raises(signing.SignatureError):
        signing.verify(make_header(), BODY, [SECRET])


def test_it_signs_exactly_as_the_contract_says():
    header = signing.sign(b"{}", "key", at=1700000000)

    expected = hmac.new(b"key", b"1700000000.{}", hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"


@pytest.mark.django_db
def test_it_keeps_the_old_secret_valid_for_the_grace_period(settings):
    settings.VENDOR_SECRET_GRACE_SECONDS = 3600
    vendor = vendor_add(code="acme", secret="first-secret-of-acme")

    rotated = vendor_rotate_secret(code="acme", secret="second-secret-of-acme")

    now = timezone.now()
    assert rotated.valid_secrets(now=now) == [
        "second-secret-of-acme",
        "first-secret-of-acme",
    ]
    later = now + timedelta(seconds=3601)
    assert rotated.valid_secrets(now=later) == ["second-secret-of-acme"]
    assert vendor.pk == rotated.pk


@pytest.mark.django_db
def test_it_adds_a_vendor_from_the_command_and_prints_its_secret(capsys):
    call_command("vendor_add", "globex")

    secret = capsys.readouterr().out.strip()
    assert Vendor.objects.get(code="globex").secret == secret
    assert len(secret) == 64


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["bad code!"], "slug"),
        (["short", "--secret", "tiny"], "at least 16"),
    ],
)
def test_it_refuses_a_bad_vendor_and_writes_nothing(args, problem):
    with pytest.raises(CommandError) as error:
        call_command("vendor_add", *args)

    assert problem in str(error.value).lower()
    assert Vendor.objects.count() == 0


@pytest.mark.django_db
def test_it_refuses_a_second_vendor_with_the_same_code():
    vendor_add(code="acme")

    with pytest.raises(CommandError):
        call_command("vendor_add", "acme")
    assert Vendor.objects.count() == 1


def test_it_accepts_a_signature_at_the_edge_of_the_window():
    now = time.time()
    for offset in (-300, 300):
        header = signing.sign(BODY, SECRET, at=int(now) + offset)
        signing.verify(header, BODY, [SECRET], now=int(now))


@pytest.mark.django_db
def test_it_rotates_a_secret_from_the_admin(admin_client):
    vendor = vendor_add(code="initech", secret="the-first-secret-here")

    response = admin_client.post(
        "/admin/integrations/vendor/",
        {"action": "rotate_secret", "_selected_action": [vendor.pk]},
    )

    vendor.refresh_from_db()
    assert response.status_code == 302
    assert vendor.previous_secret == "the-first-secret-here"
    assert vendor.secret != "the-first-secret-here"
