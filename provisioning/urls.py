from django.urls import path

from provisioning import views

app_name = "provisioning"
urlpatterns = [
    path("accounts/", views.accounts, name="accounts"),
    path("accounts/<int:pk>/test/", views.account_test, name="account-test"),
    path("governance/", views.governance, name="governance"),
    path("governance/model/", views.model_change, name="model-change"),
    path("governance/model/changes/<int:pk>/", views.model_change_detail, name="model-change-detail"),
    path("operations/", views.operations, name="operations"),
    path("operations/reconcile/", views.reconcile_now, name="reconcile"),
    path("grants/<int:grant_id>/timeline/", views.grant_timeline, name="grant-timeline"),
]
