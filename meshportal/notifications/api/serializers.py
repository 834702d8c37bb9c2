from __future__ import annotations

from rest_framework import serializers

from meshportal.notifications.models import Notification, TeamWebhook, WebhookDeliveryAttempt


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "event_type", "title", "body", "url", "read_at", "created_at"]


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=1000,
        help_text="Notification ids; omit to mark all read.",
    )


class MarkReadResultSerializer(serializers.Serializer):
    marked = serializers.IntegerField()


class TeamWebhookSerializer(serializers.ModelSerializer):
    secret = serializers.SerializerMethodField(help_text="Shown to the team's members and platform admins only.")

    class Meta:
        model = TeamWebhook
        fields = ["id", "url", "description", "event_types", "is_active", "secret", "created_at"]

    def get_secret(self, webhook: TeamWebhook) -> str:
        return webhook.secret if self.context.get("can_manage") else ""


class TeamWebhookCreateSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    event_types = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, default=list, max_length=50
    )


class WebhookDeliverySerializer(serializers.ModelSerializer):
    """One delivery attempt, with the event and webhook of its delivery."""

    delivery = serializers.IntegerField(source="delivery_id", read_only=True, help_text="The delivery it belongs to.")
    webhook = serializers.IntegerField(source="delivery.webhook_id", read_only=True)
    event_id = serializers.CharField(
        source="delivery.event_id", read_only=True, help_text="The CloudEvent id; the same on every attempt."
    )
    event_type = serializers.CharField(source="delivery.event_type", read_only=True)

    class Meta:
        model = WebhookDeliveryAttempt
        fields = [
            "id",
            "delivery",
            "webhook",
            "event_id",
            "event_type",
            "attempt",
            "status",
            "scheduled_for",
            "started_at",
            "finished_at",
            "response_status",
            "error",
            "duration_ms",
            "will_retry",
        ]
        read_only_fields = fields
