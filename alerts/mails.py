"""The alerts' e-mails, built from templates under templates/emails/."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from .models import BackInStockSubscription, LowStockDigest
from .selectors import SkuFigures
from .tokens import unsubscribe_url

MAX_SUBJECT_NAME = 80


def _one_line(text: str, limit: int = MAX_SUBJECT_NAME) -> str:
    """Return ``text`` fit for a subject: one line, not too long."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def product_url(code: str) -> str:
    return settings.SITE_URL + reverse("catalog:product", args=[code])


def back_in_stock_message(
    subscription: BackInStockSubscription, figures: SkuFigures, *, connection
) -> EmailMessage:
    """Return the one message a subscriber gets, with an unsubscribe link
    in the body and, for mail clients, in the RFC 8058 headers."""
    sku = figures.sku
    unsubscribe = unsubscribe_url(subscription.email)
    body = render_to_string(
        "emails/back_in_stock.txt",
        {
            "sku": sku,
            "available": figures.available,
            "product_url": product_url(sku.code),
            "unsubscribe_url": unsubscribe,
        },
    )
    return EmailMessage(
        subject=f"Back in stock: {_one_line(sku.name)}",
        body=body,
        to=[subscription.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        connection=connection,
    )


def low_stock_digest_message(digest: LowStockDigest) -> EmailMessage:
    """Return the stock room's digest: out of stock first, then low."""
    out = [line for line in digest.lines if line["available"] == 0]
    low = [line for line in digest.lines if line["available"] > 0]
    body = render_to_string(
        "emails/low_stock_digest.txt",
        {
            "out": out,
            "low": low,
            "count": len(digest.lines),
            "site_url": settings.SITE_URL,
            "admin_url": settings.SITE_URL + reverse("admin:index"),
        },
    )
    count = len(digest.lines)
    noun = "product" if count == 1 else "products"
    return EmailMessage(
        subject=f"Stock digest: {count} {noun} ran low or out",
        body=body,
        to=digest.recipients,
    )
