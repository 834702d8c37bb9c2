from django.urls import path

from meshportal.aws.api import views

urlpatterns = [
    path("footprints/", views.FootprintListView.as_view(), name="api-footprint-list"),
    path("footprints/<int:pk>/", views.FootprintDetailView.as_view(), name="api-footprint-detail"),
    path("teams/<slug:slug>/roles/", views.TeamRoleListView.as_view(), name="api-team-role-list"),
    path("teams/<slug:slug>/roles/<int:pk>/", views.TeamRoleDetailView.as_view(), name="api-team-role-detail"),
    path("me/roles/", views.MyRoleListView.as_view(), name="api-my-role-list"),
    path("me/roles/usable/", views.UsableRoleListView.as_view(), name="api-usable-role-list"),
    path("me/roles/<int:pk>/", views.MyRoleDetailView.as_view(), name="api-my-role-detail"),
    path("roles/<int:pk>/approve/", views.PersonalRoleApproveView.as_view(), name="api-personal-role-approve"),
]
