"""Purchase orders and restock suggestions in the admin.

Managers (``inventory.manage_purchase_orders``) write drafts, open, close
and cancel orders and order from the suggestions; clerks
(``inventory.receive_stock``) receive against open orders. Every change
of a figure goes through inventory.purchasing or inventory.restock; the
lines' received and cancelled counts are never form fields.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Min, Sum
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from ..errors import InvalidRequest, StockError
from ..models import PurchaseOrder, PurchaseOrderLine, RestockSuggestion, actor_label
from ..purchasing import (
    check_expected_on,
    check_line_quantity,
    po_cancel,
    po_close,
    po_lock_for_edit,
    po_open,
    po_receive,
)
from ..restock import po_from_suggestions, suggestions_refresh
from ..stockroom_forms import WholeNumberField
from .stock import LevelLineInline

MANAGE = "inventory.manage_purchase_orders"
RECEIVE = "inventory.receive_stock"
Status = PurchaseOrder.Status


def _checked(check, value, **kwargs):
    """Run a service's check on a form value; its refusal is a form error."""
    try:
        return check(value, **kwargs)
    except InvalidRequest as error:
        raise forms.ValidationError(error.detail) from None


class PurchaseOrderForm(forms.ModelForm):
    """Carries the status the order had when the form was opened: the
    order is read again when the form comes back, so only this tells
    whether it moved on in between (a draft opened meanwhile)."""

    status_seen = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = PurchaseOrder
        fields = ["vendor", "supplier", "reference", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["status_seen"].initial = self.instance.status


class LineForm(forms.ModelForm):
    class Meta:
        model = PurchaseOrderLine
        fields = ["level", "quantity", "expected_on"]

    def clean_quantity(self):
        quantity = self.cleaned_data["quantity"]
        return _checked(check_line_quantity, quantity, field="quantity")

    def clean_expected_on(self):
        expected_on = self.cleaned_data["expected_on"]
        return _checked(check_expected_on, expected_on, field="expected date")


class LineInline(LevelLineInline):
    """A draft's lines are edited here; an opened order's are shown."""

    model = PurchaseOrderLine
    form = LineForm
    autocomplete_fields = ["level"]
    can_delete = True

    def get_fields(self, request, obj=None):
        if _is_draft(obj):
            return ["level", "quantity", "expected_on"]
        return [
            "sku_code",
            "warehouse_code",
            "quantity",
            "received",
            "cancelled",
            "outstanding",
            "expected_on",
        ]

    def get_readonly_fields(self, request, obj=None):
        return [] if _is_draft(obj) else self.get_fields(request, obj)

    def get_extra(self, request, obj=None, **kwargs):
        return 3 if _is_draft(obj) and request.user.has_perm(MANAGE) else 0

    def has_view_permission(self, request, obj=None) -> bool:
        return _may_view(request)

    def has_add_permission(self, request, obj=None) -> bool:
        return _is_draft(obj) and request.user.has_perm(MANAGE)

    def has_change_permission(self, request, obj=None) -> bool:
        return _is_draft(obj) and request.user.has_perm(MANAGE)

    def has_delete_permission(self, request, obj=None) -> bool:
        return _is_draft(obj) and request.user.has_perm(MANAGE)

    @admin.display(description="still to come")
    def outstanding(self, line: PurchaseOrderLine) -> int:
        return line.outstanding


def _is_draft(po: PurchaseOrder | None) -> bool:
    # The add page has no order yet: what it creates is a draft.
    return po is None or po.status == Status.DRAFT


def _may_view(request) -> bool:
    user = request.user
    return any(
        user.has_perm(name)
        for name in ("inventory.view_purchaseorder", MANAGE, RECEIVE)
    )


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "status",
        "supplier_name",
        "line_count",
        "units_ordered",
        "units_received",
        "first_expected",
        "created_by",
        "created_at",
        "receive_link",
    ]
    list_filter = ["status", "vendor"]
    search_fields = ["reference", "supplier", "note", "lines__level__sku__code"]
    list_select_related = ["vendor"]
    date_hierarchy = "created_at"
    fields = [
        "number",
        "status",
        "vendor",
        "supplier",
        "reference",
        "note",
        "created_by",
        "created_at",
        "opened_at",
        "closed_at",
        "receive_link",
    ]
    readonly_fields = [
        "number",
        "status",
        "created_by",
        "created_at",
        "opened_at",
        "closed_at",
        "receive_link",
    ]
    inlines = [LineInline]
    actions = ["open_orders", "receive_goods", "close_orders", "cancel_drafts"]
    form = PurchaseOrderForm

    def get_fields(self, request, obj=None):
        # A new order has no number, dates or status of its own yet.
        if obj is None:
            return ["vendor", "supplier", "reference", "note"]
        return [*super().get_fields(request, obj), "status_seen"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_lines=Count("lines"),
                n_ordered=Sum("lines__quantity"),
                n_received=Sum("lines__received"),
                first_date=Min("lines__expected_on"),
            )
        )

    def get_search_results(self, request, queryset, search_term):
        # "PO-00012" finds that order by its number.
        term = search_term.strip().upper()
        digits = term.removeprefix("PO-")
        if term.startswith("PO-") and digits.isdigit() and len(digits) < 10:
            return queryset.filter(pk=int(digits)), False
        return super().get_search_results(request, queryset, search_term)

    def has_module_permission(self, request) -> bool:
        return _may_view(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return _may_view(request)

    def has_add_permission(self, request) -> bool:
        return request.user.has_perm(MANAGE)

    def has_change_permission(self, request, obj=None) -> bool:
        # A closed or cancelled order is history: it is only shown.
        editable = obj is None or obj.status in (Status.DRAFT, Status.OPEN)
        return editable and request.user.has_perm(MANAGE)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_manage_permission(self, request) -> bool:
        return request.user.has_perm(MANAGE)

    def has_receive_permission(self, request) -> bool:
        return request.user.has_perm(RECEIVE)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = actor_label(request.user)
            obj.save()
            return
        # Only the details are the form's to write; the status and dates
        # belong to the services and may have moved since the form read
        # them.
        seen = form.cleaned_data.get("status_seen") or obj.status
        po_lock_for_edit(po_id=obj.pk, seen_status=seen)
        obj.save(update_fields=["vendor", "supplier", "reference", "note"])

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except StockError as error:
            # Raised inside the admin's transaction, so nothing was saved.
            self.message_user(request, error.detail, messages.ERROR)
            return HttpResponseRedirect(request.path)

    def get_urls(self):
        receive = path(
            "<int:po_id>/receive/",
            self.admin_site.admin_view(self.receive_view),
            name="inventory_purchaseorder_receive",
        )
        return [receive, *super().get_urls()]

    @admin.display(description="number", ordering="pk")
    def number(self, po: PurchaseOrder) -> str:
        return po.number

    @admin.display(description="supplier", ordering="supplier")
    def supplier_name(self, po: PurchaseOrder) -> str:
        return po.supplier or (po.vendor.code if po.vendor else "-")

    @admin.display(description="lines", ordering="n_lines")
    def line_count(self, po: PurchaseOrder) -> int:
        return po.n_lines

    @admin.display(description="ordered", ordering="n_ordered")
    def units_ordered(self, po: PurchaseOrder) -> int:
        return po.n_ordered or 0

    @admin.display(description="received", ordering="n_received")
    def units_received(self, po: PurchaseOrder) -> int:
        return po.n_received or 0

    @admin.display(description="first expected", ordering="first_date")
    def first_expected(self, po: PurchaseOrder):
        return po.first_date

    @admin.display(description="receive")
    def receive_link(self, po: PurchaseOrder) -> str:
        if po.pk is None or po.status != Status.OPEN:
            return "-"
        url = reverse("admin:inventory_purchaseorder_receive", args=[po.pk])
        return format_html('<a href="{}">Receive goods</a>', url)

    @admin.action(description="Open the chosen drafts", permissions=["manage"])
    def open_orders(self, request, queryset):
        self._each(request, queryset, po_open, "Opened")

    @admin.action(description="Receive goods (one order)", permissions=["receive"])
    def receive_goods(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Choose one order to receive.", messages.ERROR)
            return None
        url = reverse("admin:inventory_purchaseorder_receive", args=[queryset[0].pk])
        return HttpResponseRedirect(url)

    @admin.action(
        description="Close the chosen orders (what never came is no longer incoming)",
        permissions=["manage"],
    )
    def close_orders(self, request, queryset):
        self._each(request, queryset, po_close, "Closed")

    @admin.action(description="Cancel the chosen drafts", permissions=["manage"])
    def cancel_drafts(self, request, queryset):
        self._each(request, queryset, po_cancel, "Cancelled")

    def _each(self, request, queryset, service, done: str) -> None:
        """Call ``service`` on each chosen order, each on its own; report
        what was done and every refusal."""
        actor = actor_label(request.user)
        numbers = []
        for po in queryset.order_by("pk"):
            try:
                service(po_id=po.pk, actor=actor)
            except StockError as error:
                self.message_user(request, error.detail, messages.ERROR)
            else:
                numbers.append(po.number)
        if numbers:
            self.message_user(request, f"{done} {', '.join(numbers)}.")

    def receive_view(self, request, po_id: int):
        """A form of the open order's lines, one quantity each."""
        if not self.has_receive_permission(request):
            raise PermissionDenied
        po = get_object_or_404(PurchaseOrder, pk=po_id)
        change_url = reverse("admin:inventory_purchaseorder_change", args=[po.pk])
        if po.status != Status.OPEN:
            message = f"{po.number} is {po.status}; only an open order is received."
            self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(change_url)

        lines = list(
            po.lines.select_related("level__sku", "level__warehouse").order_by("pk")
        )
        form = ReceiveForm(request.POST or None, lines=lines)
        if request.method == "POST" and form.is_valid():
            try:
                po_receive(
                    po_id=po.pk,
                    quantities=form.quantities(),
                    actor=actor_label(request.user),
                )
            except StockError as error:
                form.add_error(None, error.detail)
            else:
                units = sum(form.quantities().values())
                self.message_user(request, f"Received {units} units on {po.number}.")
                return HttpResponseRedirect(change_url)

        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Receive goods on {po.number}",
            "po": po,
            "form": form,
            "rows": [(line, form[f"line_{line.pk}"]) for line in form.open_lines],
            "change_url": change_url,
        }
        return TemplateResponse(
            request, "admin/inventory/purchaseorder/receive.html", context
        )


class ReceiveForm(forms.Form):
    """One whole-number field per line still owed; blank means none."""

    def __init__(self, *args, lines: list[PurchaseOrderLine], **kwargs):
        super().__init__(*args, **kwargs)
        self.open_lines = [line for line in lines if line.outstanding]
        for line in self.open_lines:
            self.fields[f"line_{line.pk}"] = WholeNumberField(
                label=str(line.level),
                required=False,
                min_value=0,
                max_value=line.outstanding,
                error_messages={
                    "max_value": "Only %(limit_value)s still to come on this line.",
                    "min_value": "Enter a number of units from 0.",
                },
            )

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not any(self.quantities().values()):
            raise forms.ValidationError("Enter the units received on some line.")
        return cleaned

    def quantities(self) -> dict[int, int]:
        return {
            line.pk: self.cleaned_data.get(f"line_{line.pk}") or 0
            for line in self.open_lines
        }


@admin.register(RestockSuggestion)
class RestockSuggestionAdmin(admin.ModelAdmin):
    list_display = [
        "sku_code",
        "warehouse_code",
        "category",
        "demand",
        "daily_demand",
        "lead_time_days",
        "safety_stock",
        "position",
        "reorder_point",
        "order_up_to",
        "quantity",
        "computed_at",
    ]
    list_filter = ["level__warehouse", "level__sku__category"]
    search_fields = ["level__sku__code", "level__sku__name"]
    list_select_related = ["level__sku", "level__warehouse"]
    actions = ["order_chosen"]

    def has_module_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        user = request.user
        return user.has_perm("inventory.view_restocksuggestion") or user.has_perm(
            MANAGE
        )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_manage_permission(self, request) -> bool:
        return request.user.has_perm(MANAGE)

    def get_urls(self):
        refresh = path(
            "refresh/",
            self.admin_site.admin_view(self.refresh_view),
            name="inventory_restocksuggestion_refresh",
        )
        return [refresh, *super().get_urls()]

    @admin.display(description="SKU", ordering="level__sku__code")
    def sku_code(self, suggestion: RestockSuggestion) -> str:
        return suggestion.level.sku.code

    @admin.display(description="warehouse", ordering="level__warehouse__code")
    def warehouse_code(self, suggestion: RestockSuggestion) -> str:
        return suggestion.level.warehouse.code

    @admin.display(description="category", ordering="level__sku__category")
    def category(self, suggestion: RestockSuggestion) -> str:
        return suggestion.level.sku.category

    @admin.action(
        description="Create a purchase order from the chosen suggestions",
        permissions=["manage"],
    )
    def order_chosen(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        try:
            po = po_from_suggestions(
                suggestion_ids=ids, actor=actor_label(request.user)
            )
        except StockError as error:
            self.message_user(request, error.detail, messages.ERROR)
            return None
        self.message_user(
            request,
            f"{po.number} is open with {po.lines.count()} lines; name its "
            "supplier on the order.",
        )
        url = reverse("admin:inventory_purchaseorder_change", args=[po.pk])
        return HttpResponseRedirect(url)

    def refresh_view(self, request):
        """Recompute the list now (POST only), rather than wait for the
        beat job."""
        if request.method != "POST" or not self.has_manage_permission(request):
            raise PermissionDenied
        listed = suggestions_refresh()
        self.message_user(request, f"Recomputed: {listed} levels should reorder.")
        return HttpResponseRedirect(
            reverse("admin:inventory_restocksuggestion_changelist")
        )
