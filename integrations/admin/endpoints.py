from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q

from inventory.errors import StockError

from ..models import EVENT_KINDS, Endpoint
from ..services import (
    endpoint_add,
    endpoint_change,
    endpoint_check,
    endpoint_pause,
    endpoint_resume,
)


class EndpointForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        choices=[(kind, kind) for kind in EVENT_KINDS],
        widget=forms.CheckboxSelectMultiple,
        initial=list(EVENT_KINDS),
    )

    class Meta:
        model = Endpoint
        fields = ["url", "events"]

    def clean(self):
        cleaned = super().clean()
        if "url" in cleaned and "events" in cleaned:
            try:
                endpoint_check(url=cleaned["url"], events=cleaned["events"])
            except StockError as refused:
                raise forms.ValidationError(refused.detail) from None
        return cleaned


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    form = EndpointForm
    list_display = [
        "url",
        "events",
        "active",
        "waiting",
        "paused_reason",
        "created_at",
    ]
    list_filter = ["active"]
    search_fields = ["url"]
    readonly_fields = ["secret", "active", "paused_reason", "paused_at", "created_at"]
    actions = ["pause", "resume"]

    def get_queryset(self, request):
        pending = Q(deliveries__delivered_at__isnull=True)
        return (
            super()
            .get_queryset(request)
            .annotate(waiting=Count("deliveries", filter=pending))
        )

    @admin.display(description="deliveries waiting", ordering="waiting")
    def waiting(self, endpoint) -> int:
        return endpoint.waiting

    def save_model(self, request, obj, form, change):
        # Registration and changes go through the services, which check the
        # address again; the form has already shown any refusal.
        url, events = form.cleaned_data["url"], form.cleaned_data["events"]
        if change:
            endpoint_change(endpoint_id=obj.pk, url=url, events=events)
            obj.refresh_from_db()
        else:
            created = endpoint_add(url=url, events=events)
            obj.pk, obj.secret = created.pk, created.secret

    @admin.action(description="Pause sending (events keep queueing)")
    def pause(self, request, queryset):
        for endpoint in queryset:
            endpoint_pause(endpoint_id=endpoint.pk)
        self.message_user(request, f"Paused {queryset.count()} endpoints.")

    @admin.action(description="Resume sending from where it stopped")
    def resume(self, request, queryset):
        waiting = sum(endpoint_resume(endpoint_id=e.pk) for e in queryset)
        self.message_user(
            request,
            f"Resumed {queryset.count()} endpoints; {waiting} deliveries waiting.",
            messages.SUCCESS,
        )
