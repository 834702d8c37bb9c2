from django.urls import path

from meshportal.identity.api import views

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    path("me/", views.MeView.as_view(), name="api-me"),
    path("teams/", views.TeamListView.as_view(), name="api-team-list"),
]
