from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from inventory.api.views import api_not_found

from .health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("webhooks/vendors/", include("integrations.urls")),
    path("api/v1/", include("inventory.api.urls")),
    path("api/v1/", include("orders.api.urls")),
    path("api/v1/", include("forecasting.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="api-schema"),
        name="api-docs",
    ),
    path("graphql/", include("graphapi.urls")),
    re_path(r"^api(/|$)", api_not_found),
    path("alerts/", include("alerts.urls")),
    path("", include("catalog.urls")),
    path("", include("orders.urls")),
]

handler400 = "officeshop.errors.bad_request"
handler404 = "officeshop.errors.page_not_found"
handler500 = "officeshop.errors.server_error"
