"""Stock levels in the admin: the lists a manager works from, and the
stock room's forms (receive, count, adjust, write off, transfer, safety
stock), each calling one service in inventory.stockroom.

No stock figure is ever a plain model field in a form: a whole-row save
would write the figures the form was opened with back over a sale made
since. Each form instead carries the level's version, and the service
refuses a change made from stale figures.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from .. import stockroom
from ..errors import StockError, VersionConflict
from ..models import StockLevel, actor_label
from ..services import level_figures
from ..stockroom_forms import (
    AdjustForm,
    CountForm,
    ReceiveForm,
    SafetyStockForm,
    TransferForm,
    WriteOffForm,
)
from .stock import ReadOnlyAdmin


@dataclass(frozen=True)
class StockAction:
    slug: str
    title: str
    permission: str
    form: type
    run: Callable[[StockLevel, dict, str], object]
    initial: Callable[[StockLevel], dict] = lambda level: {}


def _common(data: dict, actor: str) -> dict:
    return {"actor": actor, "expected_version": data["version"], "note": data["note"]}


ACTIONS = {
    action.slug: action
    for action in [
        StockAction(
            "receive",
            "Receive goods",
            "inventory.receive_stock",
            ReceiveForm,
            lambda lv, d, who: stockroom.level_receive(
                level_id=lv.pk, quantity=d["quantity"], **_common(d, who)
            ),
        ),
        StockAction(
            "count",
            "Cycle count",
            "inventory.count_stock",
            CountForm,
            lambda lv, d, who: stockroom.level_count(
                level_id=lv.pk, counted=d["counted"], **_common(d, who)
            ),
        ),
        StockAction(
            "adjust",
            "Adjust",
            "inventory.adjust_stock",
            AdjustForm,
            lambda lv, d, who: stockroom.level_adjust(
                level_id=lv.pk, delta=d["delta"], reason=d["reason"], **_common(d, who)
            ),
        ),
        StockAction(
            "write-off",
            "Write off damaged units",
            "inventory.write_off_stock",
            WriteOffForm,
            lambda lv, d, who: stockroom.level_write_off(
                level_id=lv.pk, quantity=d["quantity"], **_common(d, who)
            ),
        ),
        StockAction(
            "transfer",
            "Transfer to another warehouse",
            "inventory.transfer_stock",
            TransferForm,
            lambda lv, d, who: stockroom.level_transfer(
                level_id=lv.pk,
                to_warehouse_id=d["to_warehouse"],
                quantity=d["quantity"],
                **_common(d, who),
            ),
        ),
        StockAction(
            "safety-stock",
            "Set safety stock",
            "inventory.set_stock_levels",
            SafetyStockForm,
            lambda lv, d, who: stockroom.level_safety_stock_set(
                level_id=lv.pk,
                safety_stock=d["safety_stock"],
                actor=who,
                expected_version=d["version"],
            ),
            initial=lambda level: {"safety_stock": level.safety_stock},
        ),
    ]
}


class StatusFilter(admin.SimpleListFilter):
    """A level's own state, by its free units against its SKU's
    threshold: what a manager walks the shelves with."""

    title = "stock status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [
            ("low", "Low stock"),
            ("out", "Out of stock"),
            ("restocking", "Restocking"),
            ("in", "In stock"),
        ]

    def queryset(self, request, queryset):
        free = Q(free__gt=0)
        low = Q(free__lte=F("sku__low_stock_threshold"))
        wanted = {
            "low": free & low,
            "out": ~free & Q(incoming=0),
            "restocking": ~free & Q(incoming__gt=0),
            "in": free & ~low,
        }.get(self.value())
        return queryset.filter(wanted) if wanted is not None else queryset


@admin.register(StockLevel)
class StockLevelAdmin(ReadOnlyAdmin):
    list_display = (
        "sku",
        "warehouse",
        "on_hand",
        "reserved",
        "committed",
        "available",
        "safety_stock",
        "incoming",
        "restock_eta",
        "version",
    )
    list_filter = (
        StatusFilter,
        "warehouse",
        "sku__category",
        "sku__sub_category",
        "sku__condition",
    )
    search_fields = ("sku__code", "sku__name")
    list_select_related = ("sku", "warehouse")
    readonly_fields = (*list_display, "counted_at")
    change_form_template = "admin/inventory/stocklevel/change_form.html"

    def get_queryset(self, request):
        spare = F("on_hand") - F("reserved") - F("committed") - F("safety_stock")
        return super().get_queryset(request).annotate(free=Greatest(spare, 0))

    @admin.display(description="available", ordering="free")
    def available(self, level: StockLevel) -> int:
        return level.free

    def get_urls(self):
        view = self.admin_site.admin_view(self.stock_action_view)
        return [
            path(
                "<int:object_id>/stock/<slug:action>/",
                view,
                name="inventory_stocklevel_stock_action",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        allowed = [a for a in ACTIONS.values() if request.user.has_perm(a.permission)]
        extra = {"stock_actions": allowed, **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra)

    def stock_action_view(self, request, object_id: int, action: str):
        spec = ACTIONS.get(action)
        if spec is None:
            raise Http404("no such stock action")
        if not request.user.has_perm(spec.permission):
            raise PermissionDenied
        level = get_object_or_404(
            StockLevel.objects.select_related("sku", "warehouse"), pk=object_id
        )

        if request.method == "POST":
            form = spec.form(request.POST, level=level)
            if form.is_valid():
                done = self._run(request, spec, level, form)
                if done is not None:
                    return done
                level.refresh_from_db()
        else:
            initial = {"version": level.version, **spec.initial(level)}
            form = spec.form(initial=initial, level=level)

        context = {
            **self.admin_site.each_context(request),
            "title": f"{spec.title}: {level.sku.code} in {level.warehouse.code}",
            "form": form,
            "level": level,
            "figures": level_figures(level),
            "opts": self.model._meta,
            "original": level,
            "spec": spec,
        }
        return TemplateResponse(
            request, "admin/inventory/stocklevel/stock_action.html", context
        )

    def _run(self, request, spec: StockAction, level: StockLevel, form):
        """Call the service; return a redirect when it is done, or None
        with the form showing why it was refused."""
        try:
            spec.run(level, form.cleaned_data, actor_label(request.user))
        except VersionConflict as conflict:
            # Show the figures as they are now, and take the clerk's next
            # submit as made from them.
            data = form.data.copy()
            data["version"] = conflict.extra["current"]["version"]
            form.data = data
            form.add_error(
                None,
                f"Nothing was changed: {conflict.detail}. The current figures "
                "are shown above; check them and submit again.",
            )
            return None
        except StockError as refused:
            form.add_error(None, f"Nothing was changed: {refused.detail}")
            return None

        self.message_user(request, f"{spec.title}: done.", messages.SUCCESS)
        url = reverse("admin:inventory_stocklevel_change", args=[level.pk])
        return HttpResponseRedirect(url)
