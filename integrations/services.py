"""Writes to vendors: adding them and rotating their secrets."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from inventory.errors import InvalidRequest, NotFound

from .models import Vendor, new_secret

logger = logging.getLogger(__name__)

MIN_SECRET_LENGTH = 16


def _check_secret(secret: str) -> str:
    if len(secret) < MIN_SECRET_LENGTH or not secret.isprintable():
        raise InvalidRequest(
            f"a secret is at least {MIN_SECRET_LENGTH} printable characters"
        )
    return secret


def vendor_add(*, code: str, secret: str | None = None, name: str = "") -> Vendor:
    """Add a vendor; return it with its secret (made if none is given)."""
    secret = _check_secret(secret) if secret else new_secret()
    with transaction.atomic():
        if Vendor.objects.filter(code=code).exists():
            raise InvalidRequest(f"vendor {code!r} exists already")
        vendor = Vendor(code=code, name=name, secret=secret)
        vendor.full_clean()
        vendor.save()
    logger.info("vendor %s added", code, extra={"vendor": code})
    return vendor


def vendor_rotate_secret(*, code: str, secret: str | None = None) -> Vendor:
    """Give a vendor a new secret; the old one stays valid for
    VENDOR_SECRET_GRACE_SECONDS."""
    secret = _check_secret(secret) if secret else new_secret()
    grace = timedelta(seconds=settings.VENDOR_SECRET_GRACE_SECONDS)
    with transaction.atomic():
        try:
            vendor = Vendor.objects.select_for_update().get(code=code)
        except Vendor.DoesNotExist:
            raise NotFound(f"no vendor {code!r}", error="unknown_vendor") from None
        vendor.previous_secret = vendor.secret
        vendor.previous_valid_until = timezone.now() + grace
        vendor.secret = secret
        vendor.save(update_fields=["secret", "previous_secret", "previous_valid_until"])
    logger.info("vendor %s secret rotated", code, extra={"vendor": code})
    return vendor
