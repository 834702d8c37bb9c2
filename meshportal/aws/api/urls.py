from django.urls import path

from meshportal.aws.api import views

urlpatterns = [
    path("footprints/", views.FootprintListView.as_view(), name="api-footprint-list"),
    path("footprints/<int:pk>/", views.FootprintDetailView.as_view(), name="api-footprint-detail"),
]
