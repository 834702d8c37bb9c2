from django.urls import path

from provisioning.api import views

urlpatterns = [
    path("accounts/", views.AccountListView.as_view(), name="api-account-list"),
    path("accounts/<int:pk>/", views.AccountDetailView.as_view(), name="api-account-detail"),
    path(
        "accounts/<int:pk>/test-connection/",
        views.AccountTestConnectionView.as_view(),
        name="api-account-test-connection",
    ),
    path("governance/", views.GovernanceView.as_view(), name="api-governance"),
    path("governance/model-preview/", views.GovernanceModelPreviewView.as_view(), name="api-governance-model-preview"),
    path(
        "governance/model-changes/",
        views.GovernanceModelChangeListView.as_view(),
        name="api-governance-model-change-list",
    ),
    path(
        "governance/model-changes/<int:pk>/",
        views.GovernanceModelChangeDetailView.as_view(),
        name="api-governance-model-change-detail",
    ),
    path(
        "catalog-registrations/",
        views.CatalogRegistrationListView.as_view(),
        name="api-catalog-registration-list",
    ),
    path("provisioning-jobs/", views.ProvisioningJobListView.as_view(), name="api-provisioning-job-list"),
    path("grants/<int:pk>/aws-calls/", views.GrantCallListView.as_view(), name="api-grant-aws-calls"),
    path("drift-findings/", views.DriftFindingListView.as_view(), name="api-drift-finding-list"),
    path("reconcile/", views.ReconcileView.as_view(), name="api-reconcile"),
]
