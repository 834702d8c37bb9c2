from django.urls import path

from meshportal.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("counter/", views.counter, name="counter"),
    path("read/", views.mark_read, name="read"),
    path("teams/<slug:slug>/webhooks/", views.webhooks, name="webhooks"),
    path("teams/<slug:slug>/webhooks/<int:pk>/delete/", views.webhook_delete, name="webhook-delete"),
]
