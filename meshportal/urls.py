from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from meshportal.health import healthz

api_v1 = [
    path("", include("meshportal.identity.api.urls")),
    path("", include("catalog.api.urls")),
    path("", include("access_requests.api.urls")),
    path("", include("provisioning.api.urls")),
    path("", include("meshportal.aws.api.urls")),
    path("", include("meshportal.notifications.api.urls")),
    path("", include("meshportal.console.api.urls")),
]

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="catalog:home", permanent=False), name="home"),
    path("healthz", healthz, name="healthz"),
    path("", include("meshportal.identity.urls")),
    path("", include("meshportal.aws.urls")),
    path("catalog/", include("catalog.urls")),
    path("requests/", include("access_requests.urls")),
    path("notifications/", include("meshportal.notifications.urls")),
    path("provisioning/", include("provisioning.urls")),
    path("audit/", include("meshportal.console.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Signed-in users only (SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"]); a browser is sent to the login page. The
    # split view serves Swagger UI's start-up script as a file, so the page needs no inline script (CSP).
    path(
        "api/docs/",
        login_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
]

# Single sign-on routes exist only when single sign-on is on: otherwise /oidc/authenticate/ would start a
# session (the OIDC state) for anyone who asks.
if settings.OIDC_ENABLED:
    urlpatterns.append(path("oidc/", include("mozilla_django_oidc.urls")))

handler400 = "meshportal.core.views.bad_request"
handler403 = "meshportal.core.views.permission_denied"
handler404 = "meshportal.core.views.page_not_found"
handler500 = "meshportal.core.views.server_error"
