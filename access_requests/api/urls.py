from django.urls import path

from access_requests.api import views

urlpatterns = [
    path("access-requests/", views.AccessRequestListView.as_view(), name="api-access-request-list"),
    path("access-requests/<int:pk>/", views.AccessRequestDetailView.as_view(), name="api-access-request-detail"),
    path(
        "access-requests/<int:pk>/approve/", views.AccessRequestApproveView.as_view(), name="api-access-request-approve"
    ),
    path("access-requests/<int:pk>/reject/", views.AccessRequestRejectView.as_view(), name="api-access-request-reject"),
    path(
        "access-requests/<int:pk>/withdraw/",
        views.AccessRequestWithdrawView.as_view(),
        name="api-access-request-withdraw",
    ),
    path("grants/", views.GrantListView.as_view(), name="api-grant-list"),
    path("grants/<int:pk>/", views.GrantDetailView.as_view(), name="api-grant-detail"),
    path("grants/<int:pk>/revoke/", views.GrantRevokeView.as_view(), name="api-grant-revoke"),
    path("grants/<int:pk>/retry/", views.GrantRetryView.as_view(), name="api-grant-retry"),
    path("grants/<int:pk>/extend/", views.GrantExtendView.as_view(), name="api-grant-extend"),
    path("ports/<int:pk>/policy/", views.PortPolicyView.as_view(), name="api-port-policy"),
]
