from django.urls import path

from meshportal.console import views

app_name = "audit"
urlpatterns = [
    path("", views.events, name="events"),
    path("export.csv", views.export_csv, name="export-csv"),
    path("export.json", views.export_json, name="export-json"),
    path("entitlements/", views.entitlements, name="entitlements"),
    path("compliance/", views.compliance, name="compliance"),
    path("dashboard/", views.dashboard, name="dashboard"),
]
