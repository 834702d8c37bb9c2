from django.urls import path

from provisioning import views

app_name = "provisioning"
urlpatterns = [
    path("accounts/", views.accounts, name="accounts"),
    path("accounts/<int:pk>/test/", views.account_test, name="account-test"),
    path("governance/", views.governance, name="governance"),
]
