from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from meshportal.core.api import acting_user
from meshportal.notifications import selectors, services
from meshportal.notifications.api.serializers import (
    MarkReadResultSerializer,
    MarkReadSerializer,
    NotificationSerializer,
    TeamWebhookCreateSerializer,
    TeamWebhookSerializer,
    WebhookDeliverySerializer,
)
from meshportal.notifications.models import Notification, TeamWebhook, WebhookDeliveryAttempt


class NotificationListView(generics.ListAPIView):
    """Your own notifications, newest first."""

    serializer_class = NotificationSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return selectors.notification_list(user=self.request.user)


class NotificationMarkReadView(APIView):
    @extend_schema(request=MarkReadSerializer, responses=MarkReadResultSerializer)
    def post(self, request: Request) -> Response:
        data = MarkReadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marked = services.notification_mark_read(
            user=acting_user(request), notification_ids=data.validated_data.get("ids")
        )
        return Response({"marked": marked})


class TeamWebhookListView(generics.ListAPIView):
    """A team's webhooks (members, platform admins and auditors). Members and admins add one with POST;
    the answer carries the signing secret."""

    serializer_class = TeamWebhookSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):
            return TeamWebhook.objects.none()
        return selectors.webhook_list(team=self._team())

    def _team(self):  # type: ignore[no-untyped-def]
        return selectors.team_get_for_webhooks(user=self.request.user, slug=self.kwargs["slug"])

    def get_serializer_context(self):  # type: ignore[no-untyped-def]
        context = dict(super().get_serializer_context())
        if not getattr(self, "swagger_fake_view", False):
            context["can_manage"] = services.can_manage_webhooks(self.request.user, self._team())
        return context

    @extend_schema(request=TeamWebhookCreateSerializer, responses={201: TeamWebhookSerializer})
    def post(self, request: Request, slug: str) -> Response:
        team = self._team()
        data = TeamWebhookCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        webhook = services.webhook_create(actor=acting_user(request), team=team, **data.validated_data)
        return Response(
            TeamWebhookSerializer(webhook, context={"can_manage": True}).data, status=status.HTTP_201_CREATED
        )


class TeamWebhookDetailView(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request: Request, slug: str, pk: int) -> Response:
        team = selectors.team_get_for_webhooks(user=request.user, slug=slug)
        services.webhook_delete(actor=acting_user(request), webhook=selectors.webhook_get(team=team, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class TeamWebhookDeliveryListView(generics.ListAPIView):
    """The delivery log of a team's webhooks: one row per attempt, newest first."""

    serializer_class = WebhookDeliverySerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):
            return WebhookDeliveryAttempt.objects.none()
        return selectors.delivery_log(
            team=selectors.team_get_for_webhooks(user=self.request.user, slug=self.kwargs["slug"])
        )
