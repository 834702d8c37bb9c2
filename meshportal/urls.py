from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from meshportal.health import healthz

api_v1 = [
    path("", include("meshportal.identity.api.urls")),
    path("", include("catalog.api.urls")),
    path("", include("access_requests.api.urls")),
    path("", include("provisioning.api.urls")),
    path("", include("meshportal.notifications.api.urls")),
    path("", include("meshportal.console.api.urls")),
]

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="catalog:home", permanent=False), name="home"),
    path("healthz", healthz, name="healthz"),
    path("", include("meshportal.identity.urls")),
    path("catalog/", include("catalog.urls")),
    path("requests/", include("access_requests.urls")),
    path("notifications/", include("meshportal.notifications.urls")),
    path("provisioning/", include("provisioning.urls")),
    path("audit/", include("meshportal.console.urls")),
    path("admin/", admin.site.urls),
    path("oidc/", include("mozilla_django_oidc.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

handler400 = "meshportal.core.views.bad_request"
handler403 = "meshportal.core.views.permission_denied"
handler404 = "meshportal.core.views.page_not_found"
handler500 = "meshportal.core.views.server_error"
