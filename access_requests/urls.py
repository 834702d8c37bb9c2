from django.urls import path  # noqa: F401

app_name = "access_requests"
urlpatterns: list = []
