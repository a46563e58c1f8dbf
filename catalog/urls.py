from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path(
        "products/<path:code>/back-in-stock/",
        views.product_alert,
        name="product_alert",
    ),
    path("products/<path:code>/", views.product, name="product"),
]
