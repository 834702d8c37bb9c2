from django.urls import path

from access_requests import views

app_name = "access_requests"
urlpatterns = [
    path("new/", views.request_new, name="new"),
    path("mine/", views.mine, name="mine"),
    path("approvals/", views.approvals, name="approvals"),
    path("approvals/bulk/", views.approvals_bulk, name="approvals-bulk"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/reject/", views.reject, name="reject"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("grants/", views.grants, name="grants"),
    path("grants/<int:pk>/revoke/", views.grant_revoke, name="grant-revoke"),
    path("grants/<int:pk>/retry/", views.grant_retry, name="grant-retry"),
    path("grants/<int:pk>/extend/", views.grant_extend, name="grant-extend"),
    path("ports/<int:port_id>/policy/", views.port_policy, name="port-policy"),
]
