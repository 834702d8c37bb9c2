from django.urls import path

from meshportal.identity.api import views

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    path("auth/tokens/", views.TokenListView.as_view(), name="api-token-list"),
    path("auth/tokens/<int:pk>/", views.TokenDetailView.as_view(), name="api-token-detail"),
    path("me/", views.MeView.as_view(), name="api-me"),
    path("teams/", views.TeamListView.as_view(), name="api-team-list"),
]
