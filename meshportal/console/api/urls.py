from django.urls import path

from meshportal.console.api import views

urlpatterns = [
    path("audit-events/", views.AuditEventListView.as_view(), name="api-audit-event-list"),
    path("entitlements/", views.EntitlementListView.as_view(), name="api-entitlement-list"),
]
