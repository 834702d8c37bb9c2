from django.urls import path

from meshportal.identity import views

app_name = "identity"
urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("accounts/profile/", views.profile, name="profile"),
    path("accounts/profile/tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
]
