"""The forecast API under ``/api/v1/``."""

from django.urls import path

from . import views

urlpatterns = [
    path(
        "skus/<str:sku>/forecast",
        views.SkuForecastView.as_view(),
        name="api-sku-forecast",
    ),
]
