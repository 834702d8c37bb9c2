from django.urls import path

from meshportal.aws import views

app_name = "aws"
urlpatterns = [
    path("aws/footprints/", views.footprint_list, name="footprints"),
    path("aws/footprints/<int:pk>/release/", views.footprint_release, name="footprint-release"),
    path("teams/<slug:slug>/roles/", views.team_roles, name="team-roles"),
    path("teams/<slug:slug>/roles/<int:pk>/", views.team_role_edit, name="team-role-edit"),
    path("teams/<slug:slug>/roles/<int:pk>/remove/", views.team_role_remove, name="team-role-remove"),
    path("roles/mine/", views.my_roles, name="my-roles"),
    path("roles/mine/<int:pk>/remove/", views.my_role_remove, name="my-role-remove"),
    path("roles/pending/", views.pending_roles, name="pending-roles"),
    path("roles/<int:pk>/approve/", views.personal_role_approve, name="personal-role-approve"),
]
