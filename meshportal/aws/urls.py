from django.urls import path

from meshportal.aws import views

app_name = "aws"
urlpatterns = [
    path("footprints/", views.footprint_list, name="footprints"),
    path("footprints/<int:pk>/release/", views.footprint_release, name="footprint-release"),
]
