from django.urls import path

from . import views

app_name = "orders"

urlpatterns = [
    path("cart/", views.cart_page, name="cart"),
    path("checkout/", views.checkout, name="checkout"),
    path("orders/<uuid:order_id>/", views.order_page, name="order"),
]
