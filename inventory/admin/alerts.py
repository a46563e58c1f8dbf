"""Drift alerts in the admin: the list, and the acknowledging that the
banner on every admin page (templates/admin/base_site.html) asks for."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.http import url_has_allowed_host_and_scheme

from ..drift import drift_alert_acknowledge
from ..errors import NotFound
from ..models import DriftAlert
from .stock import ReadOnlyAdmin

ACKNOWLEDGE = "inventory.acknowledge_drift"


@admin.register(DriftAlert)
class DriftAlertAdmin(ReadOnlyAdmin):
    list_display = (
        "found_at",
        "summary",
        "last_seen_at",
        "notified_at",
        "acknowledged_by",
        "acknowledged_at",
    )
    list_filter = ("is_open",)
    fields = (
        "found_at",
        "last_seen_at",
        "summary",
        "problems",
        "notified_at",
        "acknowledged_by",
        "acknowledged_at",
    )
    readonly_fields = fields

    @admin.display(description="problems")
    def problems(self, alert: DriftAlert):
        listed = alert.details.get("problems", [])
        more = alert.details.get("total", 0) - len(listed)
        rows = [(p["text"],) for p in listed]
        if more > 0:
            rows.append((f"and {more} more: manage.py reconcile lists them",))
        return format_html_join("", "<div>{}</div>", rows)

    def get_urls(self):
        acknowledge = path(
            "<int:alert_id>/acknowledge/",
            self.admin_site.admin_view(self.acknowledge_view),
            name="inventory_driftalert_acknowledge",
        )
        return [acknowledge, *super().get_urls()]

    def acknowledge_view(self, request, alert_id: int):
        """Acknowledge an alert (POST, CSRF-checked by admin_view) and go
        back to the page the banner was on."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm(ACKNOWLEDGE):
            raise PermissionDenied
        try:
            alert = drift_alert_acknowledge(alert_id=alert_id, actor=request.user)
        except NotFound as missing:
            self.message_user(request, missing.detail, messages.ERROR)
        else:
            self.message_user(
                request,
                f"Drift alert acknowledged by {alert.acknowledged_by} "
                f"at {timezone.localtime(alert.acknowledged_at):%Y-%m-%d %H:%M}.",
                messages.SUCCESS,
            )
        return HttpResponseRedirect(_back(request))


def _back(request) -> str:
    """Return the safe page to go back to after acknowledging."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("admin:index")
