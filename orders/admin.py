"""Orders in the admin: rows are read-only; their state changes through
actions that call orders.services, which moves the stock with them."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.validators import MaxValueValidator
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from inventory.admin import LevelLineInline, ReadOnlyAdmin, ReadOnlyInline
from inventory.errors import StockError
from inventory.models import actor_label
from inventory.stockroom_forms import WholeNumberField

from . import services
from .models import Order, OrderLine, Return, ReturnLine


class OrderLineInline(LevelLineInline):
    model = OrderLine
    fields = (
        "sku_code",
        "warehouse_code",
        "quantity",
        "shipped",
        "cancelled",
        "returned",
    )
    readonly_fields = fields


class ReturnLineForm(forms.Form):
    quantity = WholeNumberField(min_value=0, max_value=1_000_000, initial=0)
    condition = forms.ChoiceField(choices=Return.Condition.choices)

    def __init__(self, *args, line: OrderLine, **kwargs):
        super().__init__(*args, **kwargs)
        self.line = line
        returnable = line.shipped - line.returned
        field = self.fields["quantity"]
        # The field's validators are shared with the class: replace the
        # limit rather than change it.
        field.validators = [
            v for v in field.validators if not isinstance(v, MaxValueValidator)
        ] + [MaxValueValidator(returnable)]
        field.widget.attrs["max"] = returnable


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ("id", "email", "status", "created_at", "cancelled_at")
    list_filter = ("status",)
    search_fields = ("id", "email", "lines__level__sku__code")
    date_hierarchy = "created_at"
    inlines = (OrderLineInline,)
    actions = ("fulfil", "cancel")
    change_form_template = "admin/orders/order/change_form.html"

    def has_fulfil_permission(self, request) -> bool:
        return request.user.has_perm("orders.fulfil_order")

    def has_cancel_permission(self, request) -> bool:
        return request.user.has_perm("orders.change_order")

    @admin.action(description="Ship everything still open", permissions=["fulfil"])
    def fulfil(self, request, queryset):
        self._each(request, queryset, services.order_fulfil, "Shipped")

    @admin.action(
        description="Cancel (units not shipped go back)", permissions=["cancel"]
    )
    def cancel(self, request, queryset):
        self._each(request, queryset, services.order_cancel, "Cancelled")

    def _each(self, request, queryset, service, done: str) -> None:
        count = 0
        for order in queryset:
            try:
                service(order_id=order.pk, actor=actor_label(request.user))
            except StockError as refused:
                self.message_user(
                    request, f"{order.pk}: {refused.detail}", messages.ERROR
                )
            else:
                count += 1
        self.message_user(request, f"{done} {count} orders.", messages.SUCCESS)

    def get_urls(self):
        view = self.admin_site.admin_view(self.return_view)
        return [
            path("<uuid:object_id>/return/", view, name="orders_order_return"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {"may_return": self.has_cancel_permission(request)}
        return super().change_view(request, object_id, form_url, extra)

    def return_view(self, request, object_id):
        """Take shipped units back, line by line, each in its condition."""
        if not self.has_cancel_permission(request):
            raise PermissionDenied
        order = get_object_or_404(Order, pk=object_id)
        lines = list(
            order.lines.select_related("level__sku", "level__warehouse")
            .filter(shipped__gt=0)
            .order_by("pk")
        )
        data = request.POST if request.method == "POST" else None
        forms_ = [
            ReturnLineForm(data, line=line, prefix=f"line-{line.pk}") for line in lines
        ]
        error = ""
        if data is not None and all(f.is_valid() for f in forms_):
            wanted = [
                {
                    "sku": f.line.level.sku.code,
                    "warehouse": f.line.level.warehouse.code,
                    "quantity": f.cleaned_data["quantity"],
                    "condition": f.cleaned_data["condition"],
                }
                for f in forms_
                if f.cleaned_data["quantity"]
            ]
            try:
                if not wanted:
                    raise StockError("choose at least one unit to take back")
                services.order_return(
                    order_id=order.pk, lines=wanted, actor=actor_label(request.user)
                )
            except StockError as refused:
                error = f"Nothing was changed: {refused.detail}"
            else:
                self.message_user(request, "Return recorded.", messages.SUCCESS)
                url = reverse("admin:orders_order_change", args=[order.pk])
                return HttpResponseRedirect(url)

        context = {
            **self.admin_site.each_context(request),
            "title": f"Return from order {order.pk}",
            "order": order,
            "rows": forms_,
            "error": error,
            "opts": self.model._meta,
            "original": order,
        }
        return TemplateResponse(request, "admin/orders/order/return.html", context)


class ReturnLineInline(ReadOnlyInline):
    model = ReturnLine
    fields = ("order_line", "quantity", "condition")
    readonly_fields = fields


@admin.register(Return)
class ReturnAdmin(ReadOnlyAdmin):
    list_display = ("id", "order", "actor", "created_at")
    search_fields = ("order__id",)
    inlines = (ReturnLineInline,)
