"""The stock API under ``/api/v1/``."""

from django.urls import path

from . import views

urlpatterns = [
    path(
        "skus/<str:sku>/availability",
        views.SkuAvailabilityView.as_view(),
        name="api-sku-availability",
    ),
    path(
        "availability",
        views.AvailabilityListView.as_view(),
        name="api-availability",
    ),
    path(
        "reservations",
        views.ReservationListView.as_view(),
        name="api-reservations",
    ),
    path(
        "reservations/<str:reservation_id>",
        views.ReservationDetailView.as_view(),
        name="api-reservation",
    ),
    path(
        "stock/adjustments",
        views.AdjustmentListView.as_view(),
        name="api-stock-adjustments",
    ),
]
