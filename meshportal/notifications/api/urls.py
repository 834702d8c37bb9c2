from django.urls import path

from meshportal.notifications.api import views

urlpatterns = [
    path("notifications/", views.NotificationListView.as_view(), name="api-notification-list"),
    path("notifications/read/", views.NotificationMarkReadView.as_view(), name="api-notification-read"),
    path("teams/<slug:slug>/webhooks/", views.TeamWebhookListView.as_view(), name="api-team-webhook-list"),
    path("teams/<slug:slug>/webhooks/<int:pk>/", views.TeamWebhookDetailView.as_view(), name="api-team-webhook-detail"),
    path(
        "teams/<slug:slug>/webhooks/deliveries/",
        views.TeamWebhookDeliveryListView.as_view(),
        name="api-team-webhook-delivery-list",
    ),
]
