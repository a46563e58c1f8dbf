from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from .schema import schema
from .views import GraphView

# No CSRF token: the endpoint reads no cookie or session, so a forged
# request can do nothing its sender could not do alone.
urlpatterns = [
    path("", csrf_exempt(GraphView.as_view(schema=schema)), name="graphql"),
]
