from django import forms
from django.contrib import admin, messages
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils.html import format_html

from inventory.errors import StockError

from ..feeds import feed_pull_soon, feed_resume
from ..models import Feed, FeedRun
from ..urlcheck import endpoint_url_check


class FeedForm(forms.ModelForm):
    # Feeds are named in full, scheme and all; none is guessed.
    url = forms.URLField(max_length=500, assume_scheme="https")

    class Meta:
        model = Feed
        fields = [
            "vendor",
            "url",
            "format",
            "interval_seconds",
            "timeout_seconds",
            "active",
        ]

    def clean_url(self):
        try:
            return endpoint_url_check(self.cleaned_data["url"])
        except StockError as error:
            raise forms.ValidationError(error.detail) from None


@admin.register(Feed)
class FeedAdmin(admin.ModelAdmin):
    form = FeedForm
    list_display = [
        "vendor",
        "url",
        "format",
        "active",
        "circuit",
        "consecutive_failures",
        "last_outcome",
        "last_success_at",
        "next_run_at",
        "runs",
    ]
    list_filter = ["active", "format", "vendor"]
    search_fields = ["url", "vendor__code"]
    readonly_fields = [
        "consecutive_failures",
        "open_until",
        "next_run_at",
        "claimed_until",
        "last_success_at",
        "created_at",
    ]
    actions = ["pull_now", "resume"]

    def get_queryset(self, request):
        last = FeedRun.objects.filter(feed=OuterRef("pk")).order_by(
            "-started_at", "-pk"
        )
        return (
            super()
            .get_queryset(request)
            .select_related("vendor")
            .annotate(last_outcome=Subquery(last.values("outcome")[:1]))
        )

    @admin.display(description="circuit")
    def circuit(self, feed):
        return feed.circuit()

    @admin.display(description="last run", ordering="last_outcome")
    def last_outcome(self, feed):
        return feed.last_outcome or "-"

    @admin.display(description="runs")
    def runs(self, feed):
        url = reverse("admin:integrations_feedrun_changelist")
        return format_html('<a href="{}?feed__id__exact={}">runs</a>', url, feed.pk)

    @admin.action(description="Pull now (queued; see the feed runs)")
    def pull_now(self, request, queryset):
        active = [feed.pk for feed in queryset if feed.active]
        for pk in active:
            feed_pull_soon(feed_id=pk)
        self.message_user(request, f"Queued a pull of {len(active)} active feeds.")

    @admin.action(description="Close the circuit and resume pulling now")
    def resume(self, request, queryset):
        for feed in queryset:
            try:
                feed_resume(feed_id=feed.pk)
            except StockError as error:
                self.message_user(request, error.detail, messages.ERROR)
                return
        self.message_user(request, f"Resumed {queryset.count()} feeds.")


@admin.register(FeedRun)
class FeedRunAdmin(admin.ModelAdmin):
    """The log of pulls: read only, written by the pulls themselves."""

    list_display = [
        "started_at",
        "feed",
        "outcome",
        "http_status",
        "lines",
        "applied",
        "stale",
        "opened_circuit",
        "short_error",
    ]
    list_filter = [("feed", admin.RelatedOnlyFieldListFilter), "outcome"]
    list_select_related = ["feed__vendor"]
    date_hierarchy = "started_at"

    @admin.display(description="error")
    def short_error(self, run):
        return run.error[:120]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
