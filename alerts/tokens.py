"""Signed unsubscribe links: the address they stop mail to, signed with
the shop's SECRET_KEY, so no one can forge one for another address."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from inventory.errors import InvalidRequest

SALT = "alerts.unsubscribe"


def unsubscribe_token(email: str) -> str:
    """Return the token that stops back-in-stock mail to ``email``.

    It carries no time: an unsubscribe link keeps working however old
    the e-mail, and one address always has the same link.
    """
    return signing.Signer(salt=SALT).sign_object(email)


def unsubscribe_url(email: str) -> str:
    """Return the full unsubscribe address, as a mail client reaches it."""
    path = reverse("alerts:unsubscribe", args=[unsubscribe_token(email)])
    return settings.SITE_URL + path


def email_from_token(token: str) -> str:
    """Return the address a token names, or refuse a token we did not
    sign (cut short, altered, or signed under another key)."""
    try:
        email = signing.Signer(salt=SALT).unsign_object(token)
    except signing.BadSignature:
        raise InvalidRequest("this unsubscribe link is not valid") from None
    if not isinstance(email, str):
        raise InvalidRequest("this unsubscribe link is not valid")
    return email
