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
# The clock the refusals are checked against: fixed, because the cases
# below are built when the suite is collected, minutes before they run.
NOW = 1_800_000_000


def test_it_accepts_a_body_signed_with_the_secret():
    signing.verify(signing.sign(BODY, SECRET), BODY, [SECRET])


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "t=abc,v1=00",
        "v1=00",
        f"t={NOW}",
        signing.sign(BODY, "another secret of enough length", at=NOW),
        signing.sign(BODY, SECRET, at=NOW - 400),
        signing.sign(BODY, SECRET, at=NOW + 400),
        signing.sign(BODY + b" ", SECRET, at=NOW),
        "t=1," + "v1=" * 400,
    ],
)
def test_it_refuses_a_forged_missing_or_stale_signature(header):
    with pytest.raises(signing.SignatureError):
        signing.verify(header, BODY, [SECRET], now=NOW)


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
