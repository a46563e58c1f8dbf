from django.urls import path

from . import views

urlpatterns = [
    path("<str:vendor>/inventory", views.inventory_event, name="vendor-inventory"),
    path(
        "<str:vendor>/shopify",
        views.shopify_inventory_level,
        name="vendor-shopify",
    ),
    path(
        "<str:vendor>/events/<path:event_id>",
        views.event_status,
        name="vendor-event-status",
    ),
]
