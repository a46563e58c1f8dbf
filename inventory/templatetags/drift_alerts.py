"""The drift banner at the top of every admin page."""

from django import template

from inventory.drift import drift_alert_open

register = template.Library()


@register.inclusion_tag("admin/inventory/drift_banner.html", takes_context=True)
def drift_banner(context) -> dict:
    """Return the open drift alert for staff, with whether they may
    acknowledge it; nothing for anyone else (the login page included)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not (user.is_active and user.is_staff):
        return {"alert": None}
    return {
        "alert": drift_alert_open(),
        "can_acknowledge": user.has_perm("inventory.acknowledge_drift"),
        "can_view": user.has_perm("inventory.view_driftalert"),
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }
