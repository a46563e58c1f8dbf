"""The order API under ``/api/v1/``."""

from django.urls import path

from . import views

urlpatterns = [
    path("orders", views.OrderListView.as_view(), name="api-orders"),
    path(
        "orders/<str:order_id>/cancel",
        views.OrderCancelView.as_view(),
        name="api-order-cancel",
    ),
    path(
        "orders/<str:order_id>/fulfil",
        views.OrderFulfilView.as_view(),
        name="api-order-fulfil",
    ),
    path(
        "orders/<str:order_id>/returns",
        views.OrderReturnView.as_view(),
        name="api-order-returns",
    ),
]
