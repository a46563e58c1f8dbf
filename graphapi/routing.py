from django.urls import path

from .consumers import graphql_socket

websocket_urlpatterns = [
    path("graphql/", graphql_socket()),
]
